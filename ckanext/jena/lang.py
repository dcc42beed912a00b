"""The language a user reads: the request's locale, else the portal's default; and the one
way the project's own texts are translated: gettext messages (English msgids) with German in
the catalogue ``i18n/de/LC_MESSAGES/ckanext-jena.po``.

Pages use ``toolkit._()`` (the visitor's language). Where the language is not the visitor's --
an API parameter, a user's chosen language in an e-mail, an RDF literal's language tag, a text
stored in both languages -- ``gettext_for(msgid, lang)`` and ``gettext_both(msgid)`` render the
same msgids from the same catalogue, with or without a request."""
from __future__ import annotations

import functools
import gettext as gettext_module
import io
import os

from ckan.plugins import toolkit

SUPPORTED = ("de", "en")
SOURCE_LANGUAGE = "en"  # the msgids are English
I18N_DIR = os.path.join(os.path.dirname(__file__), "i18n")
DOMAIN = "ckanext-jena"


def current() -> str:
    try:
        lang = toolkit.h.lang()
    except Exception:  # outside a request: CLI, background jobs
        lang = toolkit.config.get("ckan.locale_default")
    return lang if lang in SUPPORTED else "de"


@functools.lru_cache(maxsize=None)
def _catalogue(lang: str) -> gettext_module.NullTranslations:
    """The compiled catalogue (made by set-up), else the .po itself: a checkout without the
    build step still speaks German rather than falling back to English unnoticed."""
    folder = os.path.join(I18N_DIR, lang, "LC_MESSAGES")
    compiled = os.path.join(folder, DOMAIN + ".mo")
    if os.path.exists(compiled):
        with open(compiled, "rb") as stream:
            return gettext_module.GNUTranslations(stream)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    with open(os.path.join(folder, DOMAIN + ".po"), "rb") as stream:
        catalogue = read_po(stream, locale=lang)
    compiled_in_memory = io.BytesIO()
    write_mo(compiled_in_memory, catalogue)
    compiled_in_memory.seek(0)
    return gettext_module.GNUTranslations(compiled_in_memory)


def gettext_for(msgid: str, lang: str, **values) -> str:
    """``msgid`` in ``lang`` ("de" or "en"; German for any other, the portal's language),
    placeholders in braces filled with ``values`` (str.format; the values are not parsed)."""
    lang = lang if lang in SUPPORTED else "de"
    text = msgid if lang == SOURCE_LANGUAGE else _catalogue(lang).gettext(msgid)
    return text.format(**values) if values else text


def pgettext_for(context: str, msgid: str, lang: str, **values) -> str:
    """As gettext_for, for a msgid with a context (``msgctxt`` in the catalogue): a short word
    such as "title" that another part of the portal translates differently."""
    lang = lang if lang in SUPPORTED else "de"
    text = msgid if lang == SOURCE_LANGUAGE else _catalogue(lang).pgettext(context, msgid)
    return text.format(**values) if values else text


def gettext_both(msgid: str, **values) -> dict:
    """{"de": ..., "en": ...}: one message in both languages at once (RDF literals with @de and
    @en, texts stored for readers of either language)."""
    return {lang: gettext_for(msgid, lang, **values) for lang in SUPPORTED}


class BilingualError(Exception):
    """An error a data officer or administrator reads, as a sentence in English and in German
    (reports, job results and command output go to readers of either language). ``str()`` is
    the English sentence; ``english`` and ``german`` are both. The capabilities' errors of this
    kind (net.NetError, backup.BackupError, explainer's ProfileError, harvest's RecordError and
    RunError) are this type, so one reader handles them all."""

    def __init__(self, english: str, german: str):
        super().__init__(english)
        self.english = english
        self.german = german

    def in_language(self, lang: str) -> str:
        """The sentence in ``lang`` ("de" or "en"; German for any other)."""
        return self.english if lang == "en" else self.german

    def as_dict(self) -> dict:
        """{"en": ..., "de": ...}, as stored with a failed job's result."""
        return {"en": self.english, "de": self.german}

    def report(self) -> str:
        """Both sentences on one line, German first (the portal's language)."""
        return f"{self.german} / {self.english}"
