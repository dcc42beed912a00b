"""Validators of the Jena dataset schema. Messages name the valid choices, in the user's language."""
from __future__ import annotations

import datetime
import json
from typing import Any

from ckan.plugins import toolkit

from ckanext.jena.lang import current as _lang

from ckanext.jena.taxonomy import store as taxonomy_store

from . import inbound, places, vocabularies

_ = toolkit._
missing = toolkit.missing
Invalid = toolkit.Invalid


def as_list(value: Any) -> list[str]:
    """A list of strings from a list, a JSON list, or a comma-separated string."""
    if value is missing or value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            out.extend(as_list(item))
        return out
    text = str(value).strip()
    if text.startswith("["):
        try:
            return as_list(json.loads(text))
        except ValueError:
            pass
    return [part.strip() for part in text.split(",") if part.strip()]


ORIGIN_FIELD = "harvested_from"


def harvest_origin(data, context) -> Any:
    """The harvest source a dataset came from, or None for the city's own datasets. Only the
    harvester (an internal call, ignore_auth) sets it; a form or API save keeps the stored one, so
    an officer's edit of a harvested dataset is checked like the harvested dataset it is."""
    value = data.get((ORIGIN_FIELD,))
    if value not in (missing, None, "") and context.get("ignore_auth"):
        return str(value)
    package = context.get("package")
    if package is not None and getattr(package, "extras", None) is not None:
        return package.extras.get(ORIGIN_FIELD) or None
    return None


def jena_harvested_from(key, data, errors, context):
    origin = harvest_origin(data, context)
    if not origin:
        data.pop(key, None)
        raise toolkit.StopOnError
    data[key] = origin


def jena_required_unless_harvested(key, data, errors, context):
    """Required for the city's own datasets; a harvested dataset may arrive without it (a gap for
    a data officer, listed in harvest_gaps)."""
    value = data.get(key)
    if value in (missing, None) or (isinstance(value, str) and not value.strip()):
        if harvest_origin(data, context):
            data.pop(key, None)
            raise toolkit.StopOnError
        errors[key].append(_("Missing value"))
        raise toolkit.StopOnError


def _stored_gaps(data, context) -> list:
    value = data.get((inbound.GAPS_FIELD,))
    if value in (missing, None, "") or not context.get("ignore_auth"):
        package = context.get("package")
        value = package.extras.get(inbound.GAPS_FIELD) if package is not None and getattr(
            package, "extras", None) is not None else None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = []
    return [g for g in value or [] if isinstance(g, dict)]


def jena_harvest_gaps(key, data, errors, context):
    """The gaps a harvest found (see inbound.py) that are still open, stored with the dataset;
    closed as a data officer fills them in (read from the values as submitted: CKAN validates
    fields in name order). Only harvested datasets have them."""
    if not harvest_origin(data, context):
        data.pop(key, None)
        raise toolkit.StopOnError
    gaps = _stored_gaps(data, context)
    resources = {k[1] for k in data if isinstance(k, tuple) and len(k) == 3 and k[0] == "resources"}
    current = {field: data.get((field,)) for field in inbound.FIELD_NAMES if "." not in field}
    current["tags"] = [data[k] for k in data if isinstance(k, tuple) and len(k) == 3 and k[0] == "tags"
                       and k[-1] == "name" and data[k] not in (missing, None, "")]
    current["contact"] = [{"email": data.get(("contact", i, "email")), "url": data.get(("contact", i, "url"))}
                          for i in {k[1] for k in data if isinstance(k, tuple) and len(k) == 3 and k[0] == "contact"}]
    current["resources"] = sorted(resources)
    current["tag_string"] = data.get(("tag_string",))
    current = {k: (None if v is missing else v) for k, v in current.items()}
    data[key] = json.dumps(inbound.open_gaps(gaps, current), ensure_ascii=False)


def _chosen(key, data) -> list[str]:
    """The distinct values chosen for a multi-value field; an empty choice stores nothing
    (like ignore_missing), not an empty value."""
    values = list(dict.fromkeys(as_list(data.get(key))))
    if not values:
        data.pop(key, None)
        raise toolkit.StopOnError
    return values


def jena_action_fields(key, data, errors, context):
    """Action fields and measures of the current taxonomy; a measure needs its field."""
    values = _chosen(key, data)
    taxonomy = taxonomy_store.current()
    lang = _lang()
    valid = taxonomy.valid_values()
    for value in values:
        if value in valid:
            continue
        concept = taxonomy.get(value)
        if concept is None:
            errors[key].append(_("'{value}' is not an action field or measure. Valid choices: {choices}").format(
                value=value, choices=", ".join(valid)))
            continue
        targets, _how = taxonomy.replacement(value)
        hint = ", ".join(f"{t} ({taxonomy.label(t, lang)})" for t in targets) or "-"
        if concept.deprecated and concept.scheme == taxonomy.current.notation:
            errors[key].append(_("'{value}' ({label}) is no longer used. Use instead: {targets}").format(
                value=value, label=concept.label(lang), targets=hint))
        else:
            errors[key].append(_("'{value}' ({label}) belongs to an earlier version of the taxonomy. Use instead: {targets}").format(
                value=value, label=concept.label(lang), targets=hint))
    for value in values:
        field = taxonomy.field_of(value)
        if value in valid and field and field != value and field not in values:
            errors[key].append(_("The measure '{measure}' belongs to the action field '{field}' ({label}): select the field as well.").format(
                measure=value, field=field, label=taxonomy.label(field, lang)))
    data[key] = json.dumps(taxonomy.with_fields(values) if not errors[key] else values)


def jena_districts(key, data, errors, context):
    values = _chosen(key, data)
    valid = places.valid_keys()
    unknown = [v for v in values if v not in valid]
    if unknown:
        errors[key].append(_("Unknown district: {values}. Valid choices: {choices}").format(
            values=", ".join(unknown), choices=", ".join(valid)))
        return
    if places.WHOLE_CITY in values:
        values = [places.WHOLE_CITY]
    data[key] = json.dumps(sorted(values, key=valid.index))


def _same_geometry(a: str, b: str) -> bool:
    try:
        return places.parse_geometry(a).equals_exact(places.parse_geometry(b), 1e-6)
    except Exception:
        return False


def jena_places(key, data, errors, context):
    """Dataset-level (runs before the fields): keeps `districts` and `spatial` consistent.

    - districts chosen, no geometry (or the geometry left as it was): the geometry is the
      union of the districts' polygons;
    - a new geometry (drawn or harvested): the districts are those it covers.
    """
    districts = [d for d in dict.fromkeys(as_list(data.get(("districts",)))) if d]
    spatial = data.get(("spatial",))
    spatial = None if spatial in (missing, None, "") else str(spatial).strip()
    package = context.get("package")
    old_spatial = old_districts = None
    if package is not None and getattr(package, "extras", None) is not None:
        old_spatial = package.extras.get("spatial")
        old_districts = as_list(package.extras.get("districts"))
    valid = set(places.valid_keys())
    derived = places.geometry_for(districts) if districts and set(districts) <= valid else None
    if spatial is None:
        if derived:
            data[("spatial",)] = derived
        return
    if derived and (spatial == derived or _same_geometry(spatial, derived)):
        data[("spatial",)] = derived
        return
    if derived and old_spatial and spatial == old_spatial.strip() and districts != old_districts:
        data[("spatial",)] = derived  # districts changed, geometry untouched: follow the districts
        return
    try:
        shape = places.parse_geometry(spatial)
        if not shape.is_valid or shape.is_empty:
            raise ValueError("invalid geometry")
    except Exception:
        if harvest_origin(data, context):
            data.pop(("spatial",), None)  # harvested: an area that is no GeoJSON is left out
            return
        errors.setdefault(("spatial",), []).append(_(
            "The area is not valid GeoJSON. Draw it on the map or paste a GeoJSON geometry "
            "(Polygon, MultiPolygon or Point, coordinates in WGS84)."))
        return
    covered = places.districts_covering(shape)
    if covered:
        data[("districts",)] = covered


def _parse_date(value: Any):
    if value in (missing, None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for length, fmt in ((10, "%Y-%m-%d"), (7, "%Y-%m"), (4, "%Y")):
        try:
            return datetime.datetime.strptime(text[:length], fmt).date()
        except ValueError:
            continue
    return None


def jena_temporal_end(key, data, errors, context):
    """On temporal_coverage/N/end: the end may not lie before the start."""
    start = _parse_date(data.get(key[:-1] + ("start",)))
    end = _parse_date(data.get(key))
    if start and end and end < start:
        errors[key].append(_("The end date ({end}) lies before the start date ({start}).").format(
            end=end.isoformat(), start=start.isoformat()))


def jena_license(key, data, errors, context):
    value = data.get(key)
    if value in (missing, None, ""):
        return
    normalised = inbound.licence(value)
    if normalised is None and harvest_origin(data, context):
        # kept exactly as the source wrote it (a gap for a data officer), never mapped to another
        data[key] = str(value).strip()
        return
    if normalised is None:
        errors[key].append(_("The licence '{value}' is not on the dcat-ap.de licence list. Valid choices: {choices}").format(
            value=value, choices=", ".join(vocabularies.licenses())))
        return
    data[key] = normalised


def jena_vocabulary(name):
    def validator(key, data, errors, context):
        values = as_list(data.get(key))
        if not values:
            return
        out, bad = [], []
        for value in values:
            uri = inbound.concept(name, value)
            (out if uri else bad).append(uri or value)
        if bad and harvest_origin(data, context):
            bad = []  # harvested: checked for type only; the harvest noted the value as a gap
        if bad:
            lang = _lang()
            labels = ", ".join(f"{c['value'].rsplit('/', 1)[-1]} ({c['label'].get(lang) or c['label']['de']})"
                               for c in vocabularies.choices(name))
            errors[key].append(_("Not in the list: {values}. Valid choices: {choices}").format(
                values=", ".join(bad), choices=labels))
            return
        data[key] = out
    return validator


def jena_eu_themes(key, data, errors, context):
    jena_vocabulary("eu_themes")(key, data, errors, context)
    if not errors[key] and isinstance(data.get(key), list):
        data[key] = json.dumps(list(dict.fromkeys(data[key])))


def _single(name):
    inner = jena_vocabulary(name)

    def validator(key, data, errors, context):
        inner(key, data, errors, context)
        if not errors[key] and isinstance(data.get(key), list):
            if len(data[key]) > 1:
                errors[key].append(_("Choose only one value."))
                return
            data[key] = data[key][0]
    return validator


jena_frequency = _single("frequency")
jena_access_rights = _single("access_rights")


def jena_languages(key, data, errors, context):
    jena_vocabulary("language")(key, data, errors, context)
    if not errors[key] and isinstance(data.get(key), list):
        data[key] = json.dumps(list(dict.fromkeys(data[key])))


def jena_require_keywords(key, data, errors, context):
    """Dataset-level (after the fields): at least one keyword (GovData rejects datasets
    without one)."""
    if harvest_origin(data, context):
        return
    has_tags = any(k[0] == "tags" and k[-1] == "name" and data[k] not in (missing, None, "")
                   for k in data if isinstance(k, tuple) and len(k) == 3)
    tag_string = data.get(("tag_string",))
    if has_tags or (tag_string not in (missing, None, "") and str(tag_string).strip()):
        return
    errors.setdefault(("tag_string",), []).append(_(
        "Add at least one keyword: citizens search with them, and GovData requires one."))


def jena_require_license(key, data, errors, context):
    """Dataset-level: a dataset with files or links needs a licence (DCAT-AP.de requires one
    for every distribution); each resource may have its own, else the dataset's applies."""
    if harvest_origin(data, context):
        return
    if data.get(("license_id",)) not in (missing, None, ""):
        return
    resources = {k[1] for k in data if isinstance(k, tuple) and len(k) == 3 and k[0] == "resources"}
    unlicensed = [i for i in resources if data.get(("resources", i, "license")) in (missing, None, "")]
    if unlicensed:
        errors.setdefault(("license_id",), []).append(_(
            "Choose a licence: without one, nobody may reuse the files, and GovData does not accept them."))


def get_validators() -> dict:
    return {
        "jena_require_license": jena_require_license,
        "jena_harvested_from": jena_harvested_from,
        "jena_required_unless_harvested": jena_required_unless_harvested,
        "jena_harvest_gaps": jena_harvest_gaps,
        "jena_require_keywords": jena_require_keywords,
        "jena_action_fields": jena_action_fields,
        "jena_districts": jena_districts,
        "jena_places": jena_places,
        "jena_temporal_end": jena_temporal_end,
        "jena_license": jena_license,
        "jena_eu_themes": jena_eu_themes,
        "jena_frequency": jena_frequency,
        "jena_access_rights": jena_access_rights,
        "jena_languages": jena_languages,
        "jena_title": jena_title,
        "jena_no_nul": jena_no_nul,
        "jena_notes_length": jena_notes_length,
        "jena_resource_description_length": jena_resource_description_length,
        "jena_resource_url_length": jena_resource_url_length,
    }


TITLE_MAX_LENGTH = 500  # CKAN indexes package.title (btree, at most 2704 bytes): 500 characters fit in any script


def jena_title(value: Any, context) -> Any:
    """A title is a short line of text: no NUL characters (PostgreSQL cannot store them) and at
    most TITLE_MAX_LENGTH characters (a longer one does not fit CKAN's index on titles)."""
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        raise Invalid(_("The title contains a NUL character (code 0). Remove it and save again."))
    if len(value) > TITLE_MAX_LENGTH:
        raise Invalid(_("The title is {length} characters long; at most {maximum} are allowed. "
                        "Put the details into the description.").format(length=len(value), maximum=TITLE_MAX_LENGTH))
    return value


def jena_no_nul(key, data, errors, context):
    """Dataset-level (runs before the fields): no text of a dataset or its resources may hold a NUL
    character. PostgreSQL cannot store one, so a save from code (an action call, a harvest) failed
    with a database error; now the field says what is wrong. The character is taken out here, so
    the fields' own validators (some look values up in the database) never see it."""
    for field, value in list(data.items()):
        if isinstance(value, str) and "\x00" in value:
            data[field] = value.replace("\x00", "")
            errors.setdefault(field, []).append(_(
                "This text contains a NUL character (code 0). Remove it and save again."))


# Length limits against slow pages (issue 15, finding 9): a dataset with 1 MB of notes took 6-7 s
# to show and slowed the home page for everyone; a 1 MB resource URL failed CKAN's index on
# resource.url (a btree entry holds at most 2704 bytes). The longest description in the real
# catalogues under tests/data/real and tests/dcat/examples has about 3,000 characters.
NOTES_MAX_LENGTH = 20_000  # about ten pages of text
RESOURCE_DESCRIPTION_MAX_LENGTH = 20_000
RESOURCE_URL_MAX_LENGTH = 2_000  # browsers and servers agree on links up to this length
# files and links a harvested record brings at most (inbound.dataset keeps these, notes a gap)
HARVESTED_RESOURCES_MAX = 500


def _at_most(value: Any, maximum: int, message: str) -> Any:
    if isinstance(value, str) and len(value) > maximum:
        raise Invalid(_(message).format(length=len(value), maximum=maximum))
    return value


def jena_notes_length(value: Any, context) -> Any:
    """A dataset description of at most NOTES_MAX_LENGTH characters."""
    return _at_most(value, NOTES_MAX_LENGTH, "The description is {length} characters long; at most {maximum} "
                    "are allowed. Shorten it, or link a document with the details as a resource.")


def jena_resource_description_length(value: Any, context) -> Any:
    """A resource description of at most RESOURCE_DESCRIPTION_MAX_LENGTH characters."""
    return _at_most(value, RESOURCE_DESCRIPTION_MAX_LENGTH, "The description is {length} characters long; at "
                    "most {maximum} are allowed. Shorten it, or link a document with the details as a resource.")


def jena_resource_url_length(value: Any, context) -> Any:
    """A resource URL of at most RESOURCE_URL_MAX_LENGTH characters (a data: URL is not a link:
    upload the file instead)."""
    return _at_most(value, RESOURCE_URL_MAX_LENGTH, "The address is {length} characters long; at most {maximum} "
                    "are allowed. Upload the file instead, or give a shorter link.")
