"""What every harvester type does to a record before the schema sees it: the source
configuration's defaults (licence, contact point) where the record names none, districts from
the place names in the text when the record has no geometry, and then the schema's inbound
normaliser (ckanext/jena/schema/inbound.py), which normalises every value and lists the gaps.
Meaning that is clear is normalised; nothing is invented."""
from __future__ import annotations

import functools
import re
from typing import Any, Optional

from ckanext.jena.schema import inbound, places


def license_id(value: Any) -> Optional[str]:
    """The dcat-ap.de id for any known spelling of a licence; None if unknown."""
    return inbound.licence(value)


def format_name(value: Any) -> Optional[str]:
    """The format's name for a known spelling, else the value as written."""
    info = inbound.format_info(value)
    if info:
        return info["name"]
    text = str(value or "").strip()
    return text[:100] if text else None


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
    """The record as the Jena schema takes it, with ``harvest_gaps`` listing what is missing,
    unknown or invalid (with the source's original value)."""
    out = {k: v for k, v in data.items() if v not in (None, "", [], {})}
    if (not out.get("license_id") or inbound.states_no_licence(out["license_id"])) and config.get("license_id") \
            and out.get("resources") and not inbound.resource_licences(out):
        out["license_id"] = license_id(config["license_id"])
    if not any(isinstance(c, dict) and (c.get("email") or c.get("url")) for c in out.get("contact") or []) \
            and (config.get("contact_name") or config.get("contact_email")):
        out["contact"] = [{k: config[c] for k, c in (("name", "contact_name"), ("email", "contact_email"))
                           if config.get(c)}]
    out = inbound.dataset(out)
    if not out.get("districts") and not out.get("spatial"):
        named = districts_named_in(out.get("title"), " ".join(t["name"] for t in out["tags"]))
        if named:
            out["districts"] = named
    return out
