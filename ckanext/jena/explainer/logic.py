"""API actions of the explainers and their auth functions.

Who sees an explainer: whoever may see its dataset (``package_show``). Who edits, reviews and
regenerates it: whoever may edit the dataset (``package_update``: its organisation's editors and
admins, and sysadmins)."""
from __future__ import annotations

from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module, purge
from ckanext.jena.search.guards import text_id

from . import core, readability, store
from .generator import LANGS

MAX_READABILITY_CHARS = 10_000
MAX_SECTION_CHARS = 20_000  # a section is a few paragraphs; this keeps a row and its page small


def _lang(data_dict: dict) -> str:
    lang = data_dict.get("lang") or lang_module.current()
    if not isinstance(lang, str) or lang not in LANGS:
        raise toolkit.ValidationError({"lang": [
            f"Unknown language {lang!r}: use de or en. / Unbekannte Sprache {lang!r}: de oder en angeben."]})
    return lang


def _dataset(context, data_dict) -> dict:
    # package_show applies the dataset's own visibility rules (private, deleted, drafts)
    dataset = toolkit.get_action("package_show")(
        {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj"),
         "ignore_auth": context.get("ignore_auth", False)},
        {"id": text_id(data_dict)})
    if dataset.get("type") != "dataset":  # harvest sources and other package types have none
        raise toolkit.ObjectNotFound("No explainer for this kind of entry. / Für diese Art Eintrag gibt es keine Erklärung.")
    return dataset


def _may_edit(context, dataset_id: str) -> bool:
    try:
        toolkit.check_access("package_update", {"user": context.get("user"),
                                                "auth_user_obj": context.get("auth_user_obj"),
                                                "ignore_auth": context.get("ignore_auth", False)},
                             {"id": dataset_id})
        return True
    except toolkit.NotAuthorized:
        return False


def _as_bool(value, key: str):
    if value is None or value == "":
        return None
    try:
        return toolkit.asbool(value)
    except ValueError:
        raise toolkit.ValidationError({key: ["true or false expected. / true oder false erwartet."]})


def _text(value, key: str, max_chars: int) -> str:
    """Input that must be text: a string without NUL bytes (PostgreSQL cannot store them) and
    not longer than ``max_chars``."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise toolkit.ValidationError({key: ["Text expected. / Text erwartet."]})
    if "\x00" in value:
        raise toolkit.ValidationError({key: [
            "The text contains a NUL character (code 0); remove it and send the text again. / "
            "Der Text enthält ein NUL-Zeichen (Code 0); bitte entfernen und den Text erneut senden."]})
    if len(value) > max_chars:
        raise toolkit.ValidationError({key: [
            f"At most {max_chars} characters. / Höchstens {max_chars} Zeichen."]})
    return value


def _sections_param(value, key: str) -> list:
    """A list of section names, or true/false for all/none (also as strings)."""
    if value in (None, ""):
        return []
    if isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in (
            "true", "false", "yes", "no", "1", "0", "on", "off")):
        return list(core.SECTIONS) if _as_bool(value, key) else []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise toolkit.ValidationError({key: ["A list of section names, or true, expected. / "
                                         "Erwartet wird eine Liste von Abschnitten oder true."]})


@toolkit.side_effect_free
def jena_explainer_show(context, data_dict):
    """The plain-language explainer ("Einfach erklärt") of a dataset.

    Visible to everyone who may see the dataset. Shows what citizens read: the reviewed text, or
    the automatic draft (``status`` says which). Editors of the dataset also get the newer
    automatic draft where one is offered (``offered``), and who edited and reviewed it.

    :param id: the dataset's id or name
    :type id: string
    :param lang: ``de`` or ``en`` (optional; default: the request's language)
    :type lang: string
    :returns: ``{"dataset_id", "lang", "status", "status_label", "summary", "sections": [{"key",
        "heading", "markdown", "edited"}], "readability", "generated_at", "edited_at",
        "reviewed_at", ...}``; glossary links point at the portal's /glossar page.
    :rtype: dictionary
    """
    text_id(data_dict)  # before the auth check, which looks the id up
    lang = _lang(data_dict)
    toolkit.check_access("jena_explainer_show", context, data_dict)
    dataset = _dataset(context, data_dict)
    return core.view(dataset, lang, editor=_may_edit(context, dataset["id"]))


def jena_explainer_update(context, data_dict):
    """Edit, accept drafts for, or review a dataset's explainer (editors of the dataset only).

    Section text is Markdown; raw HTML, images and links other than http(s), mailto, portal
    paths and glossary entries (``[CSV](glossar:csv)``) are removed. A section an editor wrote is
    kept through re-harvests and regenerations.

    :param id: the dataset's id or name
    :type id: string
    :param lang: ``de`` or ``en`` (optional; default: the request's language)
    :type lang: string
    :param sections: ``{section: Markdown}`` for the sections to change; sections are
        summary, about, source, freshness, contents, questions, usage, limits, smart_city
    :type sections: dictionary
    :param accept_draft: sections (list, or ``true`` for all) that take the newest automatic draft
    :type accept_draft: list or bool
    :param dismiss_draft: sections (list, or ``true`` for all) whose offered draft is declined:
        their text stays and the offer goes away until the draft changes again
    :type dismiss_draft: list or bool
    :param reviewed: ``true`` marks the explainer reviewed (and dismisses offered drafts: the
        reviewer has seen them), ``false`` withdraws the review; left out, writing text withdraws
        an earlier review, taking over or dismissing a draft keeps it
    :type reviewed: bool
    :returns: the explainer as ``jena_explainer_show`` gives it to editors
    :rtype: dictionary
    """
    text_id(data_dict)
    lang = _lang(data_dict)
    toolkit.check_access("jena_explainer_update", context, data_dict)
    dataset = _dataset(dict(context, ignore_auth=True), data_dict)
    sections = data_dict.get("sections") or {}
    if not isinstance(sections, dict):
        raise toolkit.ValidationError({"sections": ["An object {section: text} is expected. / "
                                                    "Erwartet wird ein Objekt {Abschnitt: Text}."]})
    sections = {key: _text(text, key, MAX_SECTION_CHARS) for key, text in sections.items()}
    accept = _sections_param(data_dict.get("accept_draft"), "accept_draft")
    dismiss = _sections_param(data_dict.get("dismiss_draft"), "dismiss_draft")
    reviewed = _as_bool(data_dict.get("reviewed"), "reviewed")
    row = store.explainers(dataset["id"], for_update=True).get(lang)
    if row is None:
        core.regenerate(dataset)
        row = store.explainers(dataset["id"], for_update=True)[lang]
    user = context.get("user") or ""
    row = core.apply_update(row, user, sections=sections, reviewed=reviewed, accept=accept, dismiss=dismiss)
    store.save(row)
    if not context.get("defer_commit"):
        from ckan import model
        model.Session.commit()
    return core.view(dataset, lang, editor=True, row=row)


def jena_explainer_generate(context, data_dict):
    """Make a new automatic draft of a dataset's explainer now (editors of the dataset only).

    The draft is built from the metadata, the action-field taxonomy and the stored resource
    profiles. It replaces the automatic text of an explainer nobody reviewed; sections an editor
    wrote, and reviewed explainers, keep their text and get the draft offered instead.

    :param id: the dataset's id or name
    :type id: string
    :param profile: also look into the resources again (size- and time-limited background job;
        the draft is renewed when it is done)
    :type profile: bool
    :returns: ``{"de": {"offered": bool}, "en": {...}, "profiling": "queued" | "unavailable" | null}``
    :rtype: dictionary
    """
    text_id(data_dict)
    toolkit.check_access("jena_explainer_generate", context, data_dict)
    profile = _as_bool(data_dict.get("profile"), "profile")
    dataset = _dataset(dict(context, ignore_auth=True), data_dict)
    result = core.regenerate(dataset)
    from ckan import model
    model.Session.commit()
    result["profiling"] = None
    if profile:
        from .jobs import explain_dataset_job
        try:
            toolkit.enqueue_job(explain_dataset_job, [dataset["id"]], title="jena explainer profiling")
            result["profiling"] = "queued"
        except Exception:  # the queue (Redis) is down: the draft above is made; say so
            import logging
            logging.getLogger(__name__).warning("could not queue profiling of %s", dataset["id"], exc_info=True)
            result["profiling"] = "unavailable"
    return result


@toolkit.side_effect_free
def jena_explainer_readability(context, data_dict):
    """Readability of a text as the explainer editor shows it while you write: Amstad's German
    Flesch reading ease (target ≥ 60), the Wiener Sachtextformel (target ≤ 8) and the words and
    sentences over the limits. Logged-in users only.

    :param text: Markdown
    :type text: string
    :param lang: ``de`` or ``en``
    :type lang: string
    :rtype: dictionary
    """
    toolkit.check_access("jena_explainer_readability", context, data_dict)
    text = _text(data_dict.get("text"), "text", MAX_READABILITY_CHARS)
    return readability.score(text, _lang(data_dict))


def _forget(dataset_id: str) -> None:
    """A purged dataset's explainers and resource profiles go too (a purge is how mistakenly
    published data is removed for good; profiles hold sample values)."""
    store.delete(dataset_id)
    from ckan import model
    model.Session.commit()


dataset_purge = purge.after_purge(_forget)


@toolkit.auth_allow_anonymous_access
def show_auth(context, data_dict):
    return toolkit.check_access("package_show", context, {"id": data_dict.get("id")}) and {"success": True}


def edit_auth(context, data_dict):
    return toolkit.check_access("package_update", context, {"id": data_dict.get("id")}) and {"success": True}


def readability_auth(context, data_dict):
    return {"success": bool(context.get("user"))}


def get_actions() -> dict:
    return {"jena_explainer_show": jena_explainer_show, "jena_explainer_update": jena_explainer_update,
            "jena_explainer_generate": jena_explainer_generate,
            "jena_explainer_readability": jena_explainer_readability}


def get_auth_functions() -> dict:
    return {"jena_explainer_show": show_auth, "jena_explainer_update": edit_auth,
            "jena_explainer_generate": edit_auth, "jena_explainer_readability": readability_auth}
