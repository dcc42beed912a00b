"""Shim: CKAN 2.11's wheel registers its test plugins (test_package_controller_plugin, …)
under the module path ``tests.plugins.ckantestplugins`` — the layout of CKAN's source tree —
but ships the module as ``ckan.tests.plugins.ckantestplugins``. With this project's ``tests``
package on the path, the entry points resolve and CKAN's own tests can load those plugins."""
from ckan.tests.plugins.ckantestplugins import *  # noqa: F401,F403
