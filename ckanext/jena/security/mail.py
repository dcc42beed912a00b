"""No 500 when the portal cannot send e-mail because no sender address is configured.

CKAN's mailer builds the From header from ``smtp.mail_from`` before it connects; without that
setting it fails with an AttributeError instead of its MailerException. CKAN's views catch the
MailerException only (an unreachable mail server gives a clear message), so a password reset
for an existing account answered 500 (fifth attack review, L5; the portal of ``make run`` has
no sender configured), and so did inviting a member by e-mail.

- ``POST /user/reset`` then gets CKAN's own answer for a mail server that cannot be reached:
  "Error sending the email …" on the reset landing page (the same for every account, so it
  tells nobody which accounts exist).
- ``user_invite`` (an organisation admin adding a member by e-mail) answers a validation error
  that says what to configure, before CKAN makes the invited account; one without an
  organisation (``group_id``) a validation error too, where CKAN's auth function failed with 500.
The log names the missing setting each time, for the operator."""
from __future__ import annotations

import logging

from ckan.plugins import toolkit

log = logging.getLogger(__name__)

INVITE_MESSAGE = ("The portal cannot send e-mail (no sender address, smtp.mail_from, is configured), "
                  "so nobody can be invited by e-mail. Please tell the portal's administrators. / "
                  "Das Portal kann keine E-Mails versenden (keine Absenderadresse smtp.mail_from "
                  "eingerichtet), daher kann niemand per E-Mail eingeladen werden. Bitte "
                  "informieren Sie die Administration des Portals.")


GROUP_MESSAGE = ("Name the organisation or group to invite to (group_id, its name or id). / "
                 "Bitte die Organisation oder Gruppe angeben, in die eingeladen wird (group_id, "
                 "ihr Name oder ihre ID).")


def can_send() -> bool:
    return bool(str(toolkit.config.get("smtp.mail_from") or "").strip())


def _warn() -> None:
    log.error("e-mail cannot be sent: smtp.mail_from (the sender address) is not configured")


def reset_without_sender():
    """Flask before_request: CKAN's "could not send" answer to a password reset request when no
    sender is configured, instead of its 500."""
    request = toolkit.request
    if request.method != "POST" or request.endpoint != "user.request_reset" or can_send():
        return None
    _warn()
    # CKAN's own message for a mail server it cannot reach (translated by CKAN's catalogue)
    toolkit.h.flash_error(toolkit._("Error sending the email. Try again later "
                                    "or contact an administrator for help"))
    return toolkit.redirect_to(toolkit.config.get("ckan.user_reset_landing_page"))


@toolkit.chained_action
def user_invite(original_action, context, data_dict):
    # CKAN's auth function reads data_dict["group_id"] unchecked: without one (or with a list)
    # every caller, anonymous included, got a 500 (sixth attack review, L2)
    group_id = data_dict.get("group_id")
    if not isinstance(group_id, str) or not group_id.strip():
        raise toolkit.ValidationError({"group_id": [GROUP_MESSAGE]})
    toolkit.check_access("user_invite", context, data_dict)
    if not can_send():
        _warn()
        raise toolkit.ValidationError({"email": [INVITE_MESSAGE]})
    return original_action(context, data_dict)


def actions() -> dict:
    return {"user_invite": user_invite}
