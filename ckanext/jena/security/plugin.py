"""Plugin jena_security: what every answer of the portal carries and what no request may hold.

- Headers: Content-Security-Policy (scripts only from the portal; no framing by other sites),
  X-Content-Type-Options, Referrer-Policy, X-Frame-Options. The policy is declared config
  (``ckanext.jena.security.content_security_policy``), so a city can widen it for a tile server.
- A NUL byte in the path, the query string, a form field or a JSON body is answered with a
  clear 400 before CKAN hands it to PostgreSQL (which refuses it with a 500).
- Uploaded files (resource downloads, ``/uploads/…``) are inert downloads: attachment, nosniff,
  a sandbox policy, and types a browser would run become application/octet-stream
  (``downloads.py``).
- Behind reverse proxies (``ckanext.jena.security.trusted_proxies``), the visitor's address and
  scheme come from their X-Forwarded-For/-Proto (werkzeug's ProxyFix); otherwise those are ignored.
- The activity stream leaves out activities of datasets the asker may not see now (private
  since, or purged), see ``activity.py``; tag and format lists only tags and formats of datasets
  the asker may see (``vocabulary.py``).
- Endpoints that change data on a plain GET (``ckanext.jena.security.post_only_endpoints``:
  ckanext-harvest's re-harvest, clear, delete, job abort) answer only POST, which CSRF protection
  covers; the source admin page's Stop link is a POST form here (templates/source/admin_base.html).
- Repeated failed logins from one address are refused for a while (``login.py``).
- Paging, sorting and switch parameters CKAN core cannot read are a 400 (``parameters.py``).
- A resource address Python cannot read (``http://[::1/x``) is a validation error of that
  resource instead of a 500 in CKAN's uploader (``addresses.py``).
- Without a sender address (``smtp.mail_from``) a password reset or an invitation by e-mail gets
  a clear answer instead of CKAN's 500 (``mail.py``).
- CKAN 2.12 switches a form's CSRF check off for good after one request without a session
  reached it; here such an exemption holds for that request only, as on 2.11 (``csrf.py``).

A plugin of its own rather than part of jena_theme: the headers and the guard protect every
page and API call, whatever theme a city runs. Load it in ckan.plugins with the others."""
from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix

import ckan.plugins as plugins
from ckan.plugins import toolkit

from . import activity, addresses, collaborators, csrf, downloads, guard, mail, members, parameters, policy, tasks, vocabulary
from . import login as login_throttle


@toolkit.blanket.config_declarations
class JenaSecurityPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IMiddleware, inherit=True)
    plugins.implements(plugins.IAuthenticator, inherit=True)
    plugins.implements(plugins.ISignal)
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IAuthFunctions)

    def get_auth_functions(self):
        return {**collaborators.auth_functions(), **tasks.auth_functions(), **members.auth_functions()}

    def get_actions(self):
        found = vocabulary.actions()
        found.update(members.actions())
        found.update(mail.actions())
        found.update(addresses.actions())
        # chained onto the activity plugin's actions only where it is loaded
        if plugins.plugin_loaded("activity"):
            found.update(activity.actions())
        return found

    def update_config(self, config):
        # ckanext-harvest's source admin page with its Stop link as a POST form
        toolkit.add_template_directory(config, "templates")

    # IAuthenticator: CKAN's login view asks this first; a response ends the login there
    def login(self):
        return login_throttle.refused()

    def get_signal_subscriptions(self):
        return {toolkit.signals.failed_login: [login_throttle.failed],
                toolkit.signals.user_logged_in: [login_throttle.succeeded]}

    def make_middleware(self, app, config):
        if hasattr(app, "after_request"):  # the Flask app (CKAN 2.11 has no other)
            app.before_request(guard.refuse_nul_bytes)
            app.before_request(guard.refuse_changes_by_get)
            app.before_request(guard.refuse_jsonp)
            app.before_request(parameters.refuse_unreadable_parameters)
            app.before_request(guard.drop_unusable_return_address)
            app.before_request(guard.refuse_logout_as_resource)
            app.before_request(mail.reset_without_sender)
            app.before_request(downloads.refuse_redirect_to_no_web_address)
            app.after_request(policy.add_headers)
            app.after_request(downloads.as_download)  # runs first (Flask calls them in reverse)
            guard.accept_post(app)
            csrf.install(app)
            proxies = toolkit.asint(config.get("ckanext.jena.security.trusted_proxies"))
            if proxies > 0:  # the visitor's address from the proxies' X-Forwarded-For
                app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
        return app
