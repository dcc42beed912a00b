"""What every harvester type does to a record before the schema sees it: licences onto the
dcat-ap.de list, formats and media types cleaned, keywords cleaned, districts from the place
names in the text when the record has no geometry, the source's default licence where the record
names none. Meaning that is clear is normalised; nothing is invented."""
from __future__ import annotations

import functools
import re
from typing import Any, Optional

from ckanext.jena.dcat import mapping
from ckanext.jena.schema import places, vocabularies

def license_id(value: Any) -> Optional[str]:
    """The dcat-ap.de id for an id, alias, URI, title or URL of a licence; None if unknown."""
    if not value:
        return None
    text = str(value).strip()
    found = vocabularies.normalise_license(text) or mapping.license_id_from_uri(text)
    if found:
        return found
    folded = _fold(text)
    for lic_id, lic in vocabularies.licenses().items():
        if folded in {_fold(lic.get("title") or ""), _fold(lic.get("url") or "")} - {""}:
            return lic_id
    return _by_words(folded)


def _fold(text: str) -> str:
    return re.sub(r"[\s\-–_/:.,()]+", " ", text.casefold().replace("https", "http")).strip()


def _by_words(folded: str) -> Optional[str]:
    """Free-text names of the licences German catalogues use most."""
    for long, short in (("creative commons", "cc"), ("namensnennung", "by"), ("attribution", "by"),
                        ("weitergabe unter gleichen bedingungen", "sa"), ("share alike", "sa"), ("cc0", "cc zero")):
        folded = folded.replace(long, short)
    words = set(folded.split())
    if "datenlizenz" in words or "dl" in words or "dl de" in folded:
        zero = bool(words & {"zero", "null"})
        version = "2.0" if "2" in words or "2 0" in folded else None
        if version:
            return f"dl-zero-de/{version}" if zero else f"dl-by-de/{version}"
    match = re.search(r"\bcc (by(?: sa| nd| nc)*|zero|0)\b(?: \w+)*? (\d) ?(\d)?", folded)
    if match:
        kind, major = match.group(1), match.group(2)
        candidate = "cc-zero" if kind in ("zero", "0") else "cc-" + kind.replace(" ", "-")
        for suffix in (f"/{major}.0", ""):
            if candidate + suffix in vocabularies.licenses():
                return candidate + suffix
    return None


def format_name(value: Any) -> Optional[str]:
    info = mapping.format_info(str(value)) if value else None
    if info:
        return info["name"]
    text = str(value or "").strip().lstrip(".")
    return text.upper()[:50] if text else None


def clean_tag(name: Any) -> Optional[str]:
    """The DCAT profile's tag cleaning, with decimal commas kept as points ("PM 2,5": CKAN tags
    have no commas)."""
    from ckanext.jena.dcat.profile import _clean_tag
    return _clean_tag(re.sub(r"(\d),(\d)", r"\1.\2", str(name or "")))


@functools.lru_cache(maxsize=1)
def _district_patterns() -> list[tuple[str, re.Pattern]]:
    patterns = []
    for key, label in places.districts().items():
        names = {label} | set(label.split("/"))
        alternatives = "|".join(re.escape(n.strip()) for n in sorted(names, key=len, reverse=True) if n.strip())
        patterns.append((key, re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)))
    return patterns


def districts_named_in(*texts: Any) -> list[str]:
    """Ortsteile named in the texts ("Lobeda-Altstadt", "Jena-Nord"), in list order."""
    text = " ".join(str(t) for t in texts if t)
    return [key for key, pattern in _district_patterns() if pattern.search(text)]


def dataset(data: dict, config: dict) -> dict:
    out = {k: v for k, v in data.items() if v not in (None, "", [], {})}
    if out.get("license_id"):
        out["license_id"] = license_id(out["license_id"]) or out["license_id"]
    if not out.get("license_id") and config.get("license_id") and out.get("resources"):
        out["license_id"] = license_id(config["license_id"])
    contacts = []
    for contact in out.get("contact") or []:
        contact = {k: v for k, v in contact.items() if v}
        email = str(contact.get("email") or "").strip()
        # "transparenz@finanzen.bremen.de" written as an IRI reaches us resolved against the page
        email = email.rsplit("/", 1)[-1] if "@" in email.rsplit("/", 1)[-1] else email
        email = email[len("mailto:"):] if email.lower().startswith("mailto:") else email
        if email:
            contact["email"] = email
        if contact:
            contacts.append(contact)
    if not contacts and (config.get("contact_name") or config.get("contact_email")):
        contacts = [{k: config[c] for k, c in (("name", "contact_name"), ("email", "contact_email"))
                     if config.get(c)}]
    if contacts or "contact" in out:
        out["contact"] = contacts
    tags = []
    for tag in out.get("tags") or []:
        cleaned = clean_tag(tag.get("name") if isinstance(tag, dict) else tag)
        if cleaned and cleaned.casefold() not in {t.casefold() for t in tags}:
            tags.append(cleaned)
    out["tags"] = [{"name": t} for t in tags]
    resources = []
    for resource in out.get("resources") or []:
        resource = {k: v for k, v in resource.items() if v not in (None, "", [])}
        if resource.get("format") or resource.get("mimetype"):
            info = mapping.format_info(resource.get("format")) or mapping.format_info(resource.get("mimetype"))
            if info:
                resource["format"] = info["name"]
                if info.get("media_type") and not resource.get("mimetype"):
                    resource["mimetype"] = info["media_type"]
            elif resource.get("format"):
                resource["format"] = format_name(resource["format"])
        if resource.get("license"):
            lic = license_id(resource["license"])
            if lic and lic != out.get("license_id"):
                resource["license"] = lic
            else:
                resource.pop("license")
        if resource.get("url"):
            resources.append(resource)
    out["resources"] = resources
    if not out.get("districts") and not out.get("spatial"):
        named = districts_named_in(out.get("title"), " ".join(t["name"] for t in out["tags"]))
        if named:
            out["districts"] = named
    return out
