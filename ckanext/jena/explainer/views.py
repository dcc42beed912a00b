"""Pages of the explainers: the printable explainer, the editor for data officers, the glossary.
Thin: every read and write goes through the actions in logic.py."""
from __future__ import annotations

import re

from flask import Blueprint
from markupsafe import Markup, escape

from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module

from . import core, readability
from .generator import LANGS, SECTIONS

explainer_blueprint = Blueprint("jena_explainer", __name__)


def _context() -> dict:
    return {"user": toolkit.g.user}


def _show(dataset_id: str, lang: str) -> tuple[dict, dict]:
    try:
        dataset = toolkit.get_action("package_show")(_context(), {"id": dataset_id})
        explainer = toolkit.get_action("jena_explainer_show")(_context(), {"id": dataset_id, "lang": lang})
    except toolkit.ObjectNotFound:
        return toolkit.abort(404, toolkit._("Dataset not found"))
    except toolkit.NotAuthorized:
        # like CKAN's own dataset page: a private dataset does not exist for those who may not see it
        return toolkit.abort(404, toolkit._("Dataset not found"))
    return dataset, explainer


def read(id: str):
    lang = lang_module.current()
    dataset, explainer = _show(id, lang)
    return toolkit.render("jena/explainer/read.html", {"pkg": dataset, "pkg_dict": dataset,
                                                        "explainer": explainer})


def highlight(text: str, score: dict) -> Markup:
    """The plain text with long words marked and long sentences underlined, for the editor."""
    plain = readability.plain_text(text)
    long_sentences = set(score.get("long_sentences") or [])
    words = sorted(score.get("long_words") or [], key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b") if words else None
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+", plain):
        html = str(escape(sentence))
        if pattern:
            html = pattern.sub(lambda m: f'<mark class="jena-long-word">{m.group(1)}</mark>', html)
        if sentence in long_sentences:
            html = f'<span class="jena-long-sentence">{html}</span>'
        out.append(html)
    return Markup(" ".join(out))


def _form_state(explainer: dict, texts: dict, lang: str) -> list[dict]:
    rows = []
    for section in explainer["sections"]:
        key = section["key"]
        text = texts.get(key, "")
        score = readability.score(text, lang)
        rows.append({"key": key, "heading": section["heading"], "text": text, "score": score,
                     "highlighted": highlight(text, score), "edited": key in explainer.get("edited_sections", []),
                     "offered": (explainer.get("raw_offered") or {}).get(key)})
    return rows


def edit(id: str):
    lang = toolkit.request.args.get("lang") or toolkit.request.form.get("lang") or lang_module.current()
    if lang not in LANGS:
        return toolkit.abort(400, toolkit._("Unknown language: use de or en."))
    try:
        toolkit.check_access("jena_explainer_update", _context(), {"id": id})
    except toolkit.NotAuthorized:
        try:  # visitors who may see the dataset learn they may not edit; others that it is not there
            toolkit.check_access("package_show", _context(), {"id": id})
        except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
            return toolkit.abort(404, toolkit._("Dataset not found"))
        return toolkit.abort(403, toolkit._("Only editors of this dataset can edit its explainer."))
    except toolkit.ObjectNotFound:
        return toolkit.abort(404, toolkit._("Dataset not found"))
    dataset, explainer = _show(id, lang)
    texts = dict(explainer.get("raw_sections") or {})
    notice, errors = None, {}
    if toolkit.request.method == "POST":
        form = toolkit.request.form
        action = form.get("action", "save")
        submitted = {key: form.get(f"section-{key}", "") for key in SECTIONS if f"section-{key}" in form}
        data = {"id": dataset["id"], "lang": lang}
        try:
            if action == "check":
                texts.update(submitted)
                notice = toolkit._("Readability checked. Nothing was saved yet.")
            elif action == "regenerate":
                if submitted:  # what was typed is saved first, not thrown away
                    toolkit.get_action("jena_explainer_update")(_context(), dict(data, sections=submitted))
                toolkit.get_action("jena_explainer_generate")(_context(), {"id": dataset["id"]})
                notice = toolkit._("A new automatic draft was made. Your own sections were kept.")
            elif action.startswith("accept-"):
                which = action[len("accept-"):]
                data["accept_draft"] = list(SECTIONS) if which == "all" else [which]
                data["sections"] = {k: v for k, v in submitted.items() if k not in data["accept_draft"]}
                toolkit.get_action("jena_explainer_update")(_context(), data)
                notice = toolkit._("The new draft was taken over.")
            elif action == "dismiss-all":
                data.update(dismiss_draft=True, sections=submitted)
                toolkit.get_action("jena_explainer_update")(_context(), data)
                notice = toolkit._("Your text stays; the new draft is no longer offered.")
            else:
                data.update(sections=submitted, reviewed=bool(form.get("reviewed")))
                toolkit.get_action("jena_explainer_update")(_context(), data)
                notice = toolkit._("The explainer was saved.")
            if action != "check":
                dataset, explainer = _show(id, lang)
                texts = dict(explainer.get("raw_sections") or {})
        except toolkit.ValidationError as exc:
            errors = exc.error_dict
            texts.update(submitted)
    total = readability.score(core.full_text(texts), lang)
    page = toolkit.render("jena/explainer/edit.html", {
        "pkg": dataset, "pkg_dict": dataset, "explainer": explainer, "lang": lang,
        "sections": _form_state(explainer, texts, lang), "total": total,
        "total_highlighted": None, "notice": notice, "errors": errors,
        "other_lang": "en" if lang == "de" else "de"})
    # refused input: the form again, with what was typed and why, answered as a client error
    return (page, 400) if errors else page


def glossary_page():
    return toolkit.render("jena/explainer/glossary.html", {})


explainer_blueprint.add_url_rule("/dataset/<id>/explainer", view_func=read)
explainer_blueprint.add_url_rule("/dataset/<id>/explainer/edit", view_func=edit, methods=["GET", "POST"])
explainer_blueprint.add_url_rule("/glossar", view_func=glossary_page)
