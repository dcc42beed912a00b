"""The portal's copy of datatables_view's page block (ckanext/jena/data/templates/datatables/)
follows CKAN's: every line of CKAN's block is in the copy except the inline script and handler the
portal's policy blocks. When ckanext-datatablesview changes its template, this fails: compare the
copied block with the new one (written against CKAN 2.11.6)."""
import pathlib

import ckanext.datatablesview
import ckanext.jena.data

UPSTREAM = pathlib.Path(ckanext.datatablesview.__file__).parent / "templates/datatables/datatables_view.html"
OURS = pathlib.Path(ckanext.jena.data.__file__).parent / "templates/datatables/datatables_view.html"
# the lines the copy leaves out or changes, all because the policy admits no inline script
REPLACED = {
    "<script type=text/javascript>",
    "const gdataDict = {{ datadictionary|tojson }}",
    "const gresviewId = '{{ resource_view.id }}'",
    "</script>",
    """<th><button id="refit-button" class="btn btn-default" title="{{- _('Refit') -}}" onclick="fitColText()">"""
    """<i class="fa fa-text-width"></i></button></th>""",
}


def page_block(text: str) -> list[str]:
    start = text.index("{%- block page -%}")
    end = text.index("{%- endblock -%}", start)
    return [line.strip() for line in text[start:end].splitlines() if line.strip()]


def test_the_copied_table_view_block_keeps_every_line_of_ckans_but_the_inline_script():
    ours = page_block(OURS.read_text(encoding="utf-8"))
    upstream = page_block(UPSTREAM.read_text(encoding="utf-8"))
    assert REPLACED <= set(upstream), "CKAN's datatables_view template changed its inline script"
    assert [line for line in upstream if line not in REPLACED and line not in ours] == []
    assert not any("onclick" in line or "<script" in line for line in ours)
