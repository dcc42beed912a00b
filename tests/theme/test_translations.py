"""German first: every string the project shows (templates, Python, JavaScript) has a German
translation in the compiled catalogue."""
import glob
import os
import re

from babel.messages.extract import extract_python
from babel.messages.pofile import read_po

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "ckanext", "jena")
CATALOGUE = os.path.join(ROOT, "i18n", "de", "LC_MESSAGES", "ckanext-jena.po")
# _('…') / _("…") in Jinja templates and JavaScript modules (this._ / _ in ckan modules)
CALL = re.compile(r"""(?<![\w.])_\(\s*(['"])((?:\\.|(?!\1).)+)\1""")
PLURAL = re.compile(r"""ungettext\(\s*(['"])((?:(?!\1).)+)\1\s*,\s*(['"])((?:(?!\3).)+)\3""")


def shown_strings() -> dict:
    found = {}
    for path in glob.glob(os.path.join(ROOT, "**", "*.html"), recursive=True) + \
            glob.glob(os.path.join(ROOT, "**", "assets", "*.js"), recursive=True):
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
        for match in CALL.finditer(text):
            found.setdefault(match.group(2).replace("\\'", "'").replace('\\"', '"'), path)
        for match in PLURAL.finditer(text):
            found.setdefault(match.group(2), path)
    for path in glob.glob(os.path.join(ROOT, "**", "*.py"), recursive=True):
        with open(path, "rb") as stream:
            for _line, function, message, _comments in extract_python(stream, ["_", "ungettext"], [], {}):
                message = message[0] if isinstance(message, tuple) else message
                if message and function in ("_", "ungettext"):
                    found.setdefault(message, path)
    return found


def test_every_string_the_project_shows_has_a_german_translation():
    with open(CATALOGUE, "rb") as stream:
        catalogue = read_po(stream)
    # a fuzzy entry is not used at run time (msgfmt/Babel leave it out); a plural needs all its
    # German forms
    translated = {(m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalogue
                  if m.id and not m.fuzzy
                  and all(m.string if isinstance(m.string, tuple) else (m.string,))
                  and len(m.string if isinstance(m.string, tuple) else (m.string,))
                  == (catalogue.num_plurals if isinstance(m.id, tuple) else 1)}
    shown = shown_strings()
    assert len(shown) > 150  # the extraction itself works
    missing = {message: os.path.relpath(path, ROOT) for message, path in shown.items() if message not in translated}
    assert missing == {}
    # the compiled catalogue CKAN reads (made during set-up) is current: it has every translation
    from babel.messages.mofile import read_mo
    with open(os.path.join(os.path.dirname(CATALOGUE), "ckanext-jena.mo"), "rb") as stream:
        compiled = {_key(m.id) for m in read_mo(stream) if m.id and m.string}
    assert {_key(m.id) for m in catalogue if m.id and m.string and not m.fuzzy} - compiled == set()


def _key(message_id):
    return tuple(message_id) if isinstance(message_id, (list, tuple)) else message_id


def test_the_catalogue_has_no_message_twice():
    # Babel keeps the last of two definitions silently; msgfmt refuses the file
    with open(CATALOGUE, encoding="utf-8") as stream:
        entries = stream.read().split("\n\n")
    ids = []
    for entry in entries:
        # msgctxt and msgid, each possibly continued over several "..." lines
        keys = re.findall(r'^(msgctxt|msgid) ((?:".*"\n?)+)', entry + "\n", re.M)
        key = tuple((name, "".join(re.findall(r'"(.*)"', text))) for name, text in keys)
        if key and key != (("msgid", ""),):
            ids.append(key)
    assert len(ids) > 200  # the parsing itself works
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_the_harvest_pages_are_german_too():
    """ckanext-harvest ships no German; what its templates show is translated by CKAN core's
    catalogue or by ours (CKAN merges both)."""
    import ckanext.harvest
    from babel.messages.extract import extract_from_dir
    from babel.messages.mofile import read_mo
    from ckan.lib.i18n import get_ckan_i18n_dir
    templates = os.path.join(os.path.dirname(ckanext.harvest.__file__), "templates")
    shown = {message[0] if isinstance(message, tuple) else message
             for _file, _line, message, _comments, _context in extract_from_dir(
                 templates, method_map=[("**.html", "ckan.lib.extract:extract_ckan")])}
    assert {"Reharvest", "Harvest Sources"} <= shown  # the extraction itself works
    translated = set()
    for path in (os.path.join(get_ckan_i18n_dir(), "de", "LC_MESSAGES", "ckan.mo"),
                 os.path.join(os.path.dirname(CATALOGUE), "ckanext-jena.mo")):
        with open(path, "rb") as stream:
            translated |= {_key(m.id)[0] if isinstance(m.id, (list, tuple)) else m.id
                           for m in read_mo(stream) if m.id and m.string}
    assert sorted(shown - translated - {"title"}) == []  # "title": a variable, _(h['title'])


def test_compiling_the_catalogue_replaces_it_whole_and_only_when_it_changed():
    """CI, lane 2: a test of the other lane ran `setup.sh init`, which rewrote the .mo in place
    while this lane's CKAN read it ("unpack requires a buffer of 4 bytes"). The compile step now
    writes a new file and renames it over the old one: a reader holding the old file keeps all of
    it, and an unchanged .po leaves the .mo alone."""
    import subprocess
    from babel.messages.mofile import read_mo
    setup = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "setup.sh")
    compiled = os.path.join(os.path.dirname(CATALOGUE), "ckanext-jena.mo")

    def compile_step():
        subprocess.run([setup, "catalogue"], check=True, capture_output=True, timeout=120)

    compile_step()
    before = os.stat(compiled)
    compile_step()  # the .po did not change: nothing is written
    assert (os.stat(compiled).st_ino, os.stat(compiled).st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    with open(compiled, "rb") as held:
        old_bytes = held.read()
        held.seek(0)
        # the .po changes (its time is enough): the next compile writes the catalogue again
        os.utime(CATALOGUE, ns=(before.st_mtime_ns + 1_000_000_000,) * 2)
        compile_step()
        after = os.stat(compiled)
        assert after.st_ino != before.st_ino  # a new file, renamed over the old one
        assert held.read() == old_bytes  # the reader's file is whole and unchanged
    assert after.st_mode & 0o777 == 0o644  # CKAN's workers can read it
    with open(compiled, "rb") as stream:
        assert len([m for m in read_mo(stream) if m.id and m.string]) > 200
