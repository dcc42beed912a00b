"""Which harvested datasets the DCAT catalog republishes (jena_dcat's IDcatPublication).

Only those of sources marked as the city's own systems (source configuration
``"publish": true``). A partner portal's records reach GovData from their origin; published
again here they would be duplicates there."""
from __future__ import annotations

import json
from typing import Optional

from ckanext.jena.schema.validators import ORIGIN_FIELD

from . import store
from .base import MATCH_PREFIX


def withheld(dataset_dict: dict) -> Optional[str]:
    source_id = dataset_dict.get(ORIGIN_FIELD)
    if not source_id:
        return None  # the city's own dataset
    source = store.source(source_id)
    if source is None:  # not known to be the city's: a duplicate on GovData is worse than a gap
        return ("Geharvestet aus einer Quelle, die es nicht mehr gibt. / "
                "Harvested from a source that no longer exists.")
    try:
        config = json.loads(source.config or "{}")
    except ValueError:
        config = {}
    if isinstance(config, dict) and config.get("publish") is True:
        return None
    title = source.title or source.url
    return (f"Geharvestet aus dem Partnerportal „{title}“, das nicht als System der Stadt markiert ist "
            f"(\"publish\": true in der Konfiguration der Quelle); es erreicht GovData von dort. / "
            f"Harvested from the partner portal \"{title}\", which is not marked as one of the city's "
            f"systems (\"publish\": true in the source configuration); it reaches GovData from there.")


def origin(dataset_dict: dict) -> Optional[dict]:
    """The harvested dataset's identity in its source, from the harvest's record table."""
    if not dataset_dict.get(ORIGIN_FIELD) or not dataset_dict.get("id"):
        return None
    found = store.record_of_package(dataset_dict["id"])
    if found is None:
        return None
    guid, identifiers = found
    # identities derived from content (blank nodes) are the harvest's own, not the source's
    kept = [i for i in identifiers if not i.startswith(MATCH_PREFIX)]
    if guid.startswith(("blank:", MATCH_PREFIX)):
        return {"guid": kept[0], "identifiers": kept[1:]} if kept else None
    return {"guid": guid, "identifiers": kept}
