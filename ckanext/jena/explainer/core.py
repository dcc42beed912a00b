"""What an explainer is and how drafts, edits and reviews combine (used by the actions, the
background job, the CLI, the demo loader and the DCAT profile).

Per dataset and language one row holds what citizens read. A section is either the automatic
draft's, or the editors' (``owned``): written by a data officer (``edited``), or part of a text an
officer reviewed. A new draft replaces only the automatic sections of an explainer that is not
reviewed; it never replaces what the editors own: there it is *offered* (``offered``) for the
officer to take over or to dismiss. ``basis`` remembers, per section, which draft text the
officer last saw, so that a draft is offered only when it really changed since then."""
from __future__ import annotations

import hashlib
from typing import Optional

from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module

from . import generator as generator_module, glossary, readability, sanitise, store
from .generator import LANGS, SECTIONS, Inputs

# msgids of the catalogue (German there), rendered in the explainer's language by status_label
STATUS_LABELS = {
    "generated": "Written automatically – not yet checked by the editors",
    "edited": "Edited by the editors – not yet checked",
    "reviewed": "Checked by the editors",
}


def status_label(state: str, lang: str) -> str:
    return lang_module.gettext_for(STATUS_LABELS[state], lang)


class ExplainerError(toolkit.ValidationError):
    pass


def _hash(text: str) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:16]


def inputs_for(dataset: dict) -> Inputs:
    from ckanext.jena.taxonomy import store as taxonomy_store
    stored = store.profiles(dataset["id"])
    profiles = []
    for resource in dataset.get("resources") or []:
        entry = stored.get(resource["id"]) or {}
        profiles.append({"resource_id": resource["id"], "name": resource.get("name"),
                         "format": resource.get("format"), "url": resource.get("url"),
                         "profile": entry.get("profile")})
    return Inputs(dataset=dataset, profiles=profiles, taxonomy=taxonomy_store.current(),
                  harvest_source=harvest_source_title(dataset["id"]))


def harvest_source_title(dataset_id: str) -> Optional[str]:
    """The harvest source a dataset comes from, asked of the harvest capability's action (None
    without jena_harvest). The dataset is one the caller already holds, hence ignore_auth."""
    try:
        facts = toolkit.get_action("jena_harvest_source_facts")({"ignore_auth": True}, {"id": dataset_id})
    except KeyError:  # jena_harvest is not loaded: nothing is harvested
        return None
    except toolkit.ObjectNotFound:
        return None
    return facts["harvest_source_title"]


def draft_for(dataset: dict, inputs: Optional[Inputs] = None) -> tuple[dict, str]:
    """({lang: {section: Markdown}}, generator name) — computed, not stored."""
    gen = generator_module.current()
    inputs = inputs or inputs_for(dataset)
    drafts = {}
    for lang in LANGS:
        sections = gen.generate(inputs, lang)
        drafts[lang] = {key: sanitise.clean(sections.get(key) or "") for key in SECTIONS}
    return drafts, f"{gen.name}/{gen.version}"


def _new_row(dataset_id: str, lang: str, draft: dict, generator: str) -> dict:
    return {"dataset_id": dataset_id, "lang": lang, "sections": dict(draft), "edited": [], "owned": [],
            "draft": dict(draft), "draft_fingerprint": generator_module.fingerprint(draft),
            "basis": {key: _hash(draft[key]) for key in SECTIONS}, "generator": generator,
            "generated_at": store.now(), "edited_by": None, "edited_at": None,
            "reviewed_by": None, "reviewed_at": None}


def merge_draft(row: Optional[dict], dataset_id: str, lang: str, draft: dict, generator: str) -> dict:
    """The row after a new automatic draft arrived (see the module docstring)."""
    if row is None:
        return _new_row(dataset_id, lang, draft, generator)
    row = dict(row, sections=dict(row["sections"]), basis=dict(row.get("basis") or {}))
    row.update(draft=dict(draft), draft_fingerprint=generator_module.fingerprint(draft),
               generator=generator, generated_at=store.now())
    if not row.get("reviewed_at"):
        owned = set(row.get("owned") or []) | set(row.get("edited") or [])
        for key in SECTIONS:
            if key not in owned:
                row["sections"][key] = draft[key]
                row["basis"][key] = _hash(draft[key])
    return row


def regenerate(dataset: dict, inputs: Optional[Inputs] = None) -> dict:
    """Make a new draft for both languages and merge it; returns {lang: {"offered": bool}}.
    The caller commits."""
    drafts, generator = draft_for(dataset, inputs)
    rows = store.explainers(dataset["id"], for_update=True)
    result = {}
    for lang in LANGS:
        row = merge_draft(rows.get(lang), dataset["id"], lang, drafts[lang], generator)
        store.save(row)
        result[lang] = {"offered": bool(offered(row))}
    return result


def offered(row: dict) -> dict:
    """{section: newer draft text} the officer has not seen yet."""
    basis = row.get("basis") or {}
    return {key: row["draft"].get(key, "") for key in SECTIONS
            if row["sections"].get(key) != row["draft"].get(key)
            and basis.get(key) != _hash(row["draft"].get(key, ""))}


def status(row: dict) -> str:
    if row.get("reviewed_at"):
        return "reviewed"
    return "edited" if row.get("edited") else "generated"


def apply_update(row: dict, user: str, sections: Optional[dict] = None, reviewed: Optional[bool] = None,
                 accept: Optional[list] = None, dismiss: Optional[list] = None) -> dict:
    """The row after a data officer's change. ``sections``: {section: Markdown} to write;
    ``accept``: sections that take the current draft; ``dismiss``: sections whose offered draft
    the officer declines (their text stays); ``reviewed``: True/False to set the review (left
    out: writing text withdraws an earlier review; taking over or dismissing a draft does not).
    Reviewing also dismisses every offered draft: the reviewer has seen them."""
    row = dict(row, sections=dict(row["sections"]), basis=dict(row.get("basis") or {}),
               edited=list(row.get("edited") or []), owned=list(row.get("owned") or []))
    unknown = sorted((set(sections or {}) | set(accept or []) | set(dismiss or [])) - set(SECTIONS))
    if unknown:
        raise ExplainerError({"sections": [
            f"Unknown section(s): {', '.join(unknown)}. Valid: {', '.join(SECTIONS)}. / "
            f"Unbekannte Abschnitte: {', '.join(unknown)}. Gültig: {', '.join(SECTIONS)}."]})
    written = False
    for key in accept or []:
        draft = row["draft"].get(key, "")
        row["sections"][key] = draft
        row["basis"][key] = _hash(draft)
        if key in row["edited"]:
            row["edited"].remove(key)
    for key in dismiss or []:
        row["basis"][key] = _hash(row["draft"].get(key, ""))
    for key, text in (sections or {}).items():
        if not isinstance(text, str):
            raise ExplainerError({key: ["Text expected. / Text erwartet."]})
        try:
            text = sanitise.clean(text, strict=True)
        except sanitise.UnsafeText as exc:
            raise ExplainerError({key: [str(exc)]})
        draft = row["draft"].get(key, "")
        if text == row["sections"].get(key):
            continue
        written = True
        row["sections"][key] = text
        row["basis"][key] = _hash(draft)  # the officer wrote it knowing the current draft
        if text != draft and key not in row["edited"]:
            row["edited"].append(key)
        elif text == draft and key in row["edited"]:
            row["edited"].remove(key)
        if key not in row["owned"]:
            row["owned"].append(key)
    if written or accept or dismiss:
        row.update(edited_by=user, edited_at=store.now())
    if reviewed is True:
        row.update(reviewed_by=user, reviewed_at=store.now(), owned=list(SECTIONS))
        for key in SECTIONS:  # the reviewer has seen the current draft
            row["basis"][key] = _hash(row["draft"].get(key, ""))
    elif reviewed is False or (reviewed is None and written):
        row.update(reviewed_by=None, reviewed_at=None)
    return row


def heading(key: str, lang: str) -> str:
    from .rules import sentences
    return sentences()["headings"][key][lang]


def full_text(sections: dict) -> str:
    return "\n\n".join(sections.get(key) or "" for key in SECTIONS if sections.get(key))


def glossary_url(lang: str) -> str:
    site = (toolkit.config.get("ckan.site_url") or "").rstrip("/")
    root = (toolkit.config.get("ckan.root_path") or "").replace("{{LANG}}", "").rstrip("/")
    prefix = "" if lang == toolkit.config.get("ckan.locale_default", "en") else f"/{lang}"
    return f"{site}{root}{prefix}/glossar"


def view(dataset: dict, lang: str, editor: bool, row: Optional[dict] = None, with_readability: bool = True) -> dict:
    """The explainer as the API and the pages give it out. ``editor``: include what only people
    who may edit the dataset see (offered drafts, who edited and reviewed). The dataset page
    leaves out the readability figures (``with_readability``), which citizens are not shown."""
    if row is None:
        row = store.explainers(dataset["id"]).get(lang)
    stored = row is not None
    if row is None:  # nothing stored yet (the background job has not run): the draft, computed now
        drafts, generator = draft_for(dataset)
        row = _new_row(dataset["id"], lang, drafts[lang], generator)
    link_base = glossary_url(lang)
    sections = [{"key": key, "heading": heading(key, lang),
                 "markdown": glossary.resolve_links(row["sections"].get(key) or "", link_base),
                 "edited": key in (row.get("edited") or [])}
                for key in SECTIONS]
    state = status(row)
    result = {
        "dataset_id": dataset["id"], "dataset_name": dataset.get("name"), "lang": lang,
        "reviewed": state == "reviewed",
        "status": state, "status_label": status_label(state, lang), "stored": stored,
        "summary": glossary.resolve_links(row["sections"].get("summary") or "", link_base),
        "sections": sections,
        "generated_at": _iso(row.get("generated_at")), "edited_at": _iso(row.get("edited_at")),
        "reviewed_at": _iso(row.get("reviewed_at")),
    }
    if with_readability:
        result["readability"] = readability.score(full_text(row["sections"]), lang)
    if editor:
        pending = offered(row)
        result.update(
            edited_by=row.get("edited_by"), reviewed_by=row.get("reviewed_by"),
            generator=row.get("generator"), edited_sections=list(row.get("edited") or []),
            offered={key: glossary.resolve_links(text, link_base) for key, text in pending.items()},
            raw_sections={key: row["sections"].get(key) or "" for key in SECTIONS},
            raw_offered=pending)
    return result


def _iso(value) -> Optional[str]:
    return value.isoformat() if value else None
