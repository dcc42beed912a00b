"""The portal takes CKAN's datatables_view page block as CKAN renders it and removes its inline
script and handler (ckanext/jena/data/table_view.py). When ckanext-datatablesview changes its
template so that these are no longer found, this fails (written against CKAN 2.11.6 and 2.12.0)."""
import pathlib
import re

import ckanext.datatablesview

from ckanext.jena.data.table_view import INLINE_SCRIPT, REFIT_HANDLER, TABLE_MODULE

UPSTREAM = pathlib.Path(ckanext.datatablesview.__file__).parent / "templates/datatables/datatables_view.html"


def test_ckans_table_view_template_has_exactly_the_inline_script_and_handler_the_portal_removes():
    text = UPSTREAM.read_text(encoding="utf-8")
    assert len(INLINE_SCRIPT.findall(text)) == 1 and len(REFIT_HANDLER.findall(text)) == 1
    assert TABLE_MODULE in text
    rest = REFIT_HANDLER.sub("", INLINE_SCRIPT.sub("", text))
    assert re.findall(r"<script\b|\son[a-z]+\s*=", rest, re.I) == []
