"""What a map view and the dataset's picture show: the SVG, its text alternative in plain
words, and the table that says the same as the map (features, WMS layers, or the values per
Ortsteil with the legend). Texts in the reader's language (German first); every value from data
is escaped where it is written (svg.py, the templates)."""
from __future__ import annotations

import base64
import hashlib
import json
import logging
from typing import Optional
from urllib.parse import urlsplit

from markupsafe import Markup

from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module
from ckanext.jena import net, urls
from ckanext.jena.cache import drawings
from ckanext.jena.schema import places

from . import choropleth, geo, source, svg

log = logging.getLogger(__name__)

KIND_WORDS = {"point": ("{n} point", "{n} points"), "line": ("{n} line", "{n} lines"),
              "area": ("{n} area", "{n} areas")}
KIND_LABELS = {"point": "Point", "line": "Line", "area": "Area"}  # msgctxt "geometry"
MAX_PROPERTY_COLUMNS = 4


def t(msgid: str, lang: str, **values) -> str:
    return lang_module.gettext_for(msgid, lang, **values)


def tile_url() -> str:
    """The configured XYZ tile template of the city's own server, or "" (also when it is not an
    http(s) address with {z}, {x} and {y}: a javascript: or data: value is never used)."""
    template = (toolkit.config.get("ckanext.jena.maps.tile_url") or "").strip()
    if not template:
        return ""
    parts = urlsplit(template) if urls.is_safe_link(template) else None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.netloc
            or not all(p in template for p in ("{z}", "{x}", "{y}")) or any(c in template for c in "\"'<> ")):
        log.warning("maps: ckanext.jena.maps.tile_url is not an http(s) address with {z}, {x} and {y}; "
                    "the maps are drawn without tiles")
        return ""
    return template


def _counted(features: list[dict], lang: str) -> str:
    counts = {}
    for feature in features:
        kind = geo.kind_of(feature["geometry"])
        counts[kind] = counts.get(kind, 0) + 1
    parts = [t(KIND_WORDS[k][0 if counts[k] == 1 else 1], lang, n=_n(counts[k], lang))
             for k in ("point", "line", "area") if counts.get(k)]
    if len(parts) > 1:
        return t("{first} and {last}", lang, first=", ".join(parts[:-1]), last=parts[-1])
    return parts[0] if parts else t("no features", lang)


def _n(value, lang: str) -> str:
    return choropleth.format_number(value, lang)


def _where(features: list[dict], lang: str) -> str:
    tally = {}
    for feature in features:
        if feature.get("district"):
            tally[feature["district"]] = tally.get(feature["district"], 0) + 1
    if not tally:
        return t("None of them lies inside Jena's Ortsteile.", lang)
    top = sorted(tally.items(), key=lambda item: (-item[1], item[0]))[:3]
    listed = ", ".join(f"{name} ({_n(count, lang)})" for name, count in top)
    return t("Most lie in {districts}.", lang, districts=listed)


def table_of_features(features: list[dict], lang: str, rows: int) -> dict:
    """{"columns": [labels], "rows": [[cells]], "shown", "total"}: name, kind, Ortsteil and the
    most common other properties of the first ``rows`` features."""
    seen = {}
    for feature in features[:rows]:
        for key in feature["properties"]:
            seen[key] = seen.get(key, 0) + 1
    name_keys = {k for k in seen if k.casefold() in geo.NAME_KEYS[:6]}
    extra = [k for k, _c in sorted(seen.items(), key=lambda item: -item[1]) if k not in name_keys][:MAX_PROPERTY_COLUMNS]
    columns = [t("Name", lang), t("Kind", lang), t("Ortsteil", lang)] + extra
    body = []
    for feature in features[:rows]:
        kind = geo.kind_of(feature["geometry"])
        cells = [feature["name"], lang_module.pgettext_for("geometry", KIND_LABELS[kind], lang),
                 feature.get("district") or t("outside Jena", lang)]
        cells += [_cell(feature["properties"].get(k), lang) for k in extra]
        body.append(cells)
    return {"columns": columns, "rows": body, "shown": len(body), "total": len(features)}


def _cell(value, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return _n(value, lang) if not (isinstance(value, int) and 1000 <= value <= 2100) else str(value)
    return str(value)


def features_map(resource: dict, lang: str, *, fetch: bool = True, tiles: bool = True,
                 prefix: str = "") -> Optional[dict]:
    """The map of a GeoJSON, KML or WFS resource: {"svg", "alt", "table", "truncated", "error"}.
    None when not ``fetch`` and nothing is in the cache yet. The drawing is kept (per resource,
    its last change, the language and the tiles; ckanext/jena/cache/drawings.py): a map of
    thousands of areas takes seconds to draw."""
    prefix = prefix or "jena-map-" + resource["id"][:8]
    tiles_used = tile_url() if tiles else ""
    variant = json.dumps([lang, prefix, tiles_used, toolkit.config.get("ckanext.jena.maps.tile_attribution") or "",
                          toolkit.config.get("ckanext.jena.maps.table_rows")])
    key = source.cache_key(resource, "drawn-" + hashlib.sha256(variant.encode("utf-8")).hexdigest()[:16])
    kept = drawings.get(key)
    if kept is not None:
        shown = json.loads(kept)
        return dict(shown, svg=Markup(shown["svg"]))
    shown = _draw_features(resource, lang, fetch, tiles_used, prefix)
    if shown is not None and shown.get("svg"):  # a drawn map, not a failure or "being prepared"
        drawings.keep(key, json.dumps(dict(shown, svg=str(shown["svg"])), separators=(",", ":")).encode("utf-8"),
                      int(toolkit.config.get("ckanext.jena.maps.cache_seconds")))
    return shown


def _draw_features(resource: dict, lang: str, fetch: bool, tiles_used: str, prefix: str) -> Optional[dict]:
    name = resource.get("name") or resource.get("id")
    try:
        found = source.features(resource, fetch=fetch)
    except source.Preparing as exc:  # a background job reads the source: a state, not a failure
        return {"preparing": exc.in_language(lang), "error": None}
    except (geo.MapError, net.NetError) as exc:
        return {"error": exc.in_language(lang)}
    if found is None:
        return None
    features = found["features"]
    alt = " ".join([
        t("Map of Jena with {what} from “{name}” on the outlines of the 30 Ortsteile.", lang,
          what=_counted(features, lang), name=name),
        _where(features, lang) if features else "",
        t("The map shows the first {n} features only.", lang, n=_n(len(features), lang)) if found["truncated"] else "",
    ]).strip()
    picture = svg.features_svg(features, prefix=prefix, title=t("Map: {name}", lang, name=name), description=alt,
                               tiles=tiles_used,
                               attribution=toolkit.config.get("ckanext.jena.maps.tile_attribution") or ""
                               if tiles_used else "")
    rows = int(toolkit.config.get("ckanext.jena.maps.table_rows"))
    return {"svg": picture, "alt": alt, "table": table_of_features(features, lang, rows),
            "truncated": found["truncated"], "error": None, "count": len(features)}


def wms_layers(resource: dict, fetch: bool = True) -> Optional[dict]:
    return source.cached(resource, "wms-layers", lambda: source.read_wms_layers(resource["url"]), fetch=fetch)


def wms_image(resource: dict, fetch: bool = True) -> Optional[bytes]:
    """The WMS picture of the city's frame (PNG/JPEG bytes), from the cache or fetched now."""
    def make():
        layers = source.read_wms_layers(resource["url"])
        frame = svg.frame_for()
        body = source.read_wms_image(resource["url"], layers["chosen"], frame.epsg3857_bbox(), svg.WIDTH, frame.height)
        return base64.b64encode(body).decode("ascii")
    kept = source.cached(resource, "wms-image", make, fetch=fetch)
    return base64.b64decode(kept) if kept is not None else None


def wms_map(resource: dict, lang: str, image_url: str, *, fetch: bool = True, prefix: str = "") -> Optional[dict]:
    """The map of a WMS resource: the service's picture of Jena, served by the portal at
    ``image_url`` (blueprint jena_maps.wms_image), under the Ortsteil outlines."""
    name = resource.get("name") or resource.get("id")
    prefix = prefix or "jena-map-" + resource["id"][:8]
    try:
        layers = wms_layers(resource, fetch=fetch)
        if layers is None:
            return None
        wms_image(resource, fetch=fetch)  # fetched (and checked) now, so the page can say what failed
    except source.Preparing as exc:  # a background job reads the source: a state, not a failure
        return {"preparing": exc.in_language(lang), "error": None}
    except (geo.MapError, net.NetError) as exc:
        return {"error": exc.in_language(lang)}
    chosen = next((layer for layer in layers["layers"] if layer["name"] == layers["chosen"]), layers["layers"][0])
    alt = t("Map of Jena with the layer “{layer}” of the map service (WMS) “{name}” over the outlines of the "
            "30 Ortsteile. The picture's contents are not available as text; the table lists the service's layers.",
            lang, layer=chosen["title"], name=name)
    picture = svg.features_in_frame(svg.frame_for(), [], prefix=prefix, title=t("Map: {name}", lang, name=name),
                                    description=alt, image=image_url)
    table = {"columns": [t("Layer", lang), t("Title", lang), t("Shown", lang)],
             "rows": [[layer["name"], layer["title"], t("yes", lang) if layer is chosen else ""]
                      for layer in layers["layers"]],
             "shown": len(layers["layers"]), "total": len(layers["layers"])}
    return {"svg": picture, "alt": alt, "table": table, "truncated": False, "error": None}


def choropleth_map(resource: dict, context: dict, lang: str, value_column: str = "",
                   prefix: str = "") -> Optional[dict]:
    """The Ortsteil map of a DataStore table: {"svg", "alt", "legend", "table", "unmatched", …}
    or None when the table has no Ortsteil and number column. ``context`` decides who reads
    (NotAuthorized for those who may not see the resource). The drawing is kept per resource,
    its last change, the language and the column (ckanext/jena/cache/drawings.py)."""
    if not context.get("ignore_auth"):  # the visitor may see the resource: only then a kept map
        toolkit.check_access("resource_show", dict(context), {"id": resource["id"]})
    variant = json.dumps([lang, value_column, prefix])
    key = source.cache_key(resource, "choropleth-" + hashlib.sha256(variant.encode("utf-8")).hexdigest()[:16])
    kept = drawings.get(key)
    if kept is not None:
        shown = json.loads(kept)
        return dict(shown, svg=Markup(shown["svg"]))
    shown = _draw_choropleth(resource, context, lang, value_column, prefix)
    if shown is not None:
        drawings.keep(key, json.dumps(dict(shown, svg=str(shown["svg"])), separators=(",", ":")).encode("utf-8"),
                      int(toolkit.config.get("ckanext.jena.maps.cache_seconds")))
    return shown


def _draw_choropleth(resource: dict, context: dict, lang: str, value_column: str, prefix: str) -> Optional[dict]:
    found = choropleth.values(context, resource["id"], value_column)
    if not found:
        return None
    column, values = found["column"], found["values"]
    labels = places.districts()
    bounds = choropleth.classes(list(values.values()))
    fills, titles = {}, {}
    for key, label in labels.items():
        if key in values:
            fills[key] = svg.CLASS_COLOURS[_colour_index(choropleth.class_of(values[key], bounds), len(bounds))]
            titles[key] = f"{label}: {_n(values[key], lang)}"
        else:
            titles[key] = f"{label}: {t('no value', lang)}"
    legend = [{"colour": svg.CLASS_COLOURS[_colour_index(i, len(bounds))],
               "text": (t("{low} to {high}", lang, low=_n(low, lang), high=_n(high, lang)) if low != high
                        else _n(low, lang)),
               "count": sum(1 for v in values.values() if choropleth.class_of(v, bounds) == i)}
              for i, (low, high) in enumerate(bounds)]
    missing = len(labels) - len(values)
    if missing:
        legend.append({"colour": svg.NO_DATA, "text": t("no value", lang), "count": missing})
    heading = t("“{column}” per Ortsteil: the darker, the higher.", lang, column=column)
    if found["year"] is not None:
        heading += " " + t("Year {year}.", lang, year=found["year"])
    if found["summed"]:
        heading += " " + t("Several rows of one Ortsteil are added up.", lang)
    alt = t("Map of Jena's 30 Ortsteile by “{column}”.", lang, column=column)
    if values:
        high_key = max(values, key=lambda k: (values[k], k))
        low_key = min(values, key=lambda k: (values[k], k))
        alt += " " + t("Highest in {high} ({high_value}), lowest in {low} ({low_value}).", lang,
                       high=labels[high_key], high_value=_n(values[high_key], lang),
                       low=labels[low_key], low_value=_n(values[low_key], lang))
    if missing:
        alt += " " + t("No value for {n} Ortsteile.", lang, n=missing)
    picture = svg.choropleth_svg(fills, titles, prefix=prefix or "jena-choropleth-" + resource["id"][:8],
                                 title=t("Map: {column} per Ortsteil", lang, column=column), description=alt)
    table = {"columns": [t("Ortsteil", lang), column],
             "rows": [[label, _n(values[key], lang) if key in values else t("no value", lang)]
                      for key, label in sorted(labels.items(), key=lambda item: item[1])],
             "shown": len(labels), "total": len(labels)}
    return {"svg": picture, "alt": alt, "legend": legend, "legend_heading": heading, "table": table,
            "unmatched": found["unmatched"], "district_column": found["district_column"], "error": None}


def _colour_index(index: int, classes: int) -> int:
    """Spread fewer classes over the palette (two classes: lightest and darkest)."""
    if classes <= 1:
        return len(svg.CLASS_COLOURS) - 1
    return round(index * (len(svg.CLASS_COLOURS) - 1) / (classes - 1))

