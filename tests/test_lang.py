"""One way to translate: the project's texts are gettext messages with German in the catalogue;
lang.gettext_for / pgettext_for / gettext_both render them in a language chosen by the caller
(an API parameter, a user's e-mail language, an RDF language tag), with or without a request."""
import os
import shutil

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po

from ckanext.jena import lang
from ckanext.jena.dcat import publication
from ckanext.jena.explainer import core as explainer_core, dcat as explainer_dcat
from ckanext.jena.follow import notify
from ckanext.jena.freshness import core as freshness_core, digest
from ckanext.jena.schema import inbound, places

ROOT = os.path.join(os.path.dirname(__file__), "..", "ckanext", "jena")
CATALOGUE = os.path.join(ROOT, "i18n", "de", "LC_MESSAGES", "ckanext-jena.po")
KEYWORDS = {"gettext_for": (1,), "gettext_both": (1,), "pgettext_for": ((1, "c"), 2)}

# messages kept in tables and rendered through lang by their key: (context, msgid)
TABLES = ([(None, m) for m in explainer_core.STATUS_LABELS.values()]
          + [(None, explainer_dcat.TITLE), (None, places.WHOLE_CITY_LABEL)]
          + [("gap", m) for m in list(inbound.FIELD_NAMES.values()) + list(inbound.PROBLEM_NAMES.values())]
          + [("freshness", m) for m in list(freshness_core.LABELS.values()) + [freshness_core.LAST_UPDATED]]
          + [(None, m) for m in list(digest.TEXTS.values()) + list(notify.TEXTS.values())]
          + [(None, m) for m in list(publication._BLOCKING.values()) + [publication.WITHHELD]]
          + [(None, f"{{count}} {unit}s") for unit in ("day", "hour", "minute", "second")])


def _translated() -> dict:
    with open(CATALOGUE, "rb") as stream:
        return {(m.context, m.id): m.string for m in read_po(stream) if m.id and m.string and not m.fuzzy}


def _called_with_literals() -> set:
    found = set()
    for folder, _dirs, files in os.walk(ROOT):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as stream:
                    for _line, function, message, _comments in extract_python(stream, list(KEYWORDS), [], {}):
                        if function == "pgettext_for" and isinstance(message, tuple) and all(message[:2]):
                            found.add((message[0], message[1]))
                        elif function != "pgettext_for":
                            message = message[0] if isinstance(message, tuple) else message
                            if message:
                                found.add((None, message))
    return found


def test_every_message_rendered_in_a_chosen_language_has_german():
    called = _called_with_literals()
    assert (None, "The file could not be read.") in called  # the extraction itself works
    wanted = called | set(TABLES)
    assert len(wanted) > 50
    translated = _translated()
    assert sorted(m for m in wanted if m not in translated) == []


def test_german_comes_from_the_catalogue_english_is_the_msgid_other_languages_read_german():
    assert lang.gettext_for("Whole city of Jena", "de") == "Gesamte Stadt Jena"
    assert lang.gettext_for("Whole city of Jena", "en") == "Whole city of Jena"
    assert lang.gettext_for("Whole city of Jena", "fr") == "Gesamte Stadt Jena"
    assert lang.gettext_for("Whole city of Jena", None) == "Gesamte Stadt Jena"
    assert lang.pgettext_for("freshness", "due", "de") == "fällig"
    assert lang.gettext_both("Explained simply: {title}", title="Bäume") == {
        "de": "Einfach erklärt: Bäume", "en": "Explained simply: Bäume"}


def test_values_are_filled_in_not_read_as_placeholders():
    hostile = "{title} {0} {__class__} %s }{"
    assert lang.gettext_for("Explained simply: {title}", "de", title=hostile) == "Einfach erklärt: " + hostile
    assert inbound.describe({"field": "license_id", "problem": "unknown", "value": hostile}, "de") == \
        f"Lizenz: unbekannt („{hostile}“)"
    assert inbound.describe({"field": "nonsense{x}", "problem": "odd{y}", "value": ""}, "en") == "nonsense{x}: odd{y}"


def test_a_checkout_without_the_compiled_catalogue_still_speaks_german(tmp_path, monkeypatch):
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(CATALOGUE, folder)  # the .po only, as in git
    monkeypatch.setattr(lang, "I18N_DIR", str(tmp_path))
    lang._catalogue.cache_clear()
    try:
        assert lang.gettext_for("Whole city of Jena", "de") == "Gesamte Stadt Jena"
        assert lang.pgettext_for("gap", "source", "de") == "Quelle"
    finally:
        lang._catalogue.cache_clear()


@pytest.mark.parametrize("entry, german, english", [
    ({"field": "license_id", "problem": "unknown", "value": "Nutzungsbedingungen"},
     "Lizenz: unbekannt („Nutzungsbedingungen“)", "licence: unknown (“Nutzungsbedingungen”)"),
    ({"field": "resources.format", "problem": "missing"}, "Format einer Datei: fehlt", "format of a file: missing"),
    ({"field": "issued", "problem": "invalid", "value": "gestern"},
     "Veröffentlicht am: ungültig, nicht übernommen („gestern“)", "release date: invalid, left out (“gestern”)"),
])
def test_a_harvest_gap_reads_as_before_in_both_languages(entry, german, english):
    assert inbound.describe(entry, "de") == german
    assert inbound.describe(entry, "en") == english


def test_every_error_shown_to_officers_in_two_languages_is_one_type():
    from ckanext.jena import backup, net
    from ckanext.jena.explainer.readers.table import ProfileError
    from ckanext.jena.harvest.base import RecordError
    from ckanext.jena.harvest.runner import RunError
    for kind in (net.NetError, backup.BackupError, ProfileError, RecordError, RunError):
        assert issubclass(kind, lang.BilingualError), kind
    error = RecordError("it has no title in any language", "er hat in keiner Sprache einen Titel")
    assert isinstance(error, ValueError)  # handled like the mappers' own value errors
    assert error.report() == "er hat in keiner Sprache einen Titel / it has no title in any language"
    assert RunError("There is no file 'x'.", "Es gibt keine Datei 'x'.").in_language("de") == "Es gibt keine Datei 'x'."
