"""CKAN's table view (datatables_view) under the portal's Content-Security-Policy.

Its template (written against CKAN 2.11.6 and 2.12.0) hands the data dictionary to its script in
an inline ``<script>`` and wires the refit button with ``onclick``; the policy admits neither, and
the table would never show a row. The rendered page block is taken as CKAN renders it, the two
are removed, and the dictionary, the view id and two labels become data attributes of the table,
read by ``assets/table_view.js``. tests/data_api/test_table_view_template.py fails when CKAN's
template changes what is removed here."""
from __future__ import annotations

import json
import logging
import re

from markupsafe import Markup, escape

from ckan.plugins import toolkit

from ckanext.jena import lang

log = logging.getLogger(__name__)

INLINE_SCRIPT = re.compile(r"<script type=text/javascript>\s*const gdataDict = .*?</script>", re.S)
REFIT_HANDLER = re.compile(r'\s+onclick="fitColText\(\)"')
TABLE_MODULE = 'data-module="datatables_view"'


def table_view_markup(markup: str, dictionary: list, view_id: str, filter_label: str, cells_label: str) -> Markup:
    """The page block of datatables_view without inline script, its data in the table's attributes."""
    text, scripts = INLINE_SCRIPT.subn("", str(markup), count=1)
    text, handlers = REFIT_HANDLER.subn("", text, count=1)
    attributes = " ".join(f'{name}="{escape(value)}"' for name, value in (
        ("data-resource-view-id", view_id), ("data-dictionary", json.dumps(dictionary)),
        ("data-filter-label", filter_label), ("data-cells-label", cells_label)))
    if scripts != 1 or handlers != 1 or TABLE_MODULE not in text:
        log.error("datatables_view's template changed: table view %s left as CKAN renders it", view_id)
    return Markup(text.replace(TABLE_MODULE, f"{TABLE_MODULE} {attributes}", 1))


@toolkit.chained_action
def resource_view_create(original, context, data_dict):
    """CKAN's resource_view_create; a table view titled with datatables_view's English default
    gets the title in the language of the request, or the portal's outside one.

    ckanext-datatablesview stores ``_('Table')`` evaluated where the view is made: xloader's job
    makes it without a request, so the demo's table views read "Table" beside "Diagramm" and
    "Karte" on a German portal."""
    if data_dict.get("view_type") == "datatables_view" and data_dict.get("title") == "Table":
        data_dict = dict(data_dict, title=lang.gettext_for("Table", lang.current()))
    return original(context, data_dict)
