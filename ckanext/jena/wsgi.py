"""The portal as a WSGI application for a production server (gunicorn, see scripts/serve.sh).

Built from the ini file named by the ``CKAN_INI`` environment variable, as CKAN's deployment
documentation does in its ``wsgi.py``; logging is configured from the same file, keeping the
web server's own loggers (CKAN's ``load_config`` would switch them off). Nothing here adds
Werkzeug's debugger: only ``ckan run``, the development server, does that.
"""
import os
from logging.config import fileConfig

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

_ini = os.environ.get("CKAN_INI")
if not _ini or not os.path.isfile(_ini):
    raise RuntimeError(f"CKAN_INI must name the portal's ini file (it is {_ini!r})")
_config = CKANConfigLoader(_ini).get_config()
# after the loader: CKAN 2.12's applies the file's logging itself with Python's default,
# disabling every logger already there, gunicorn's own ("Worker ... ready", worker timeouts and
# crashes) among them; this turns them on again
fileConfig(_ini, disable_existing_loggers=False)
application = make_app(_config)
