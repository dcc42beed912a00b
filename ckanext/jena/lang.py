"""The language a user reads: the request's locale, else the portal's default."""
from __future__ import annotations

from ckan.plugins import toolkit

SUPPORTED = ("de", "en")


def current() -> str:
    try:
        lang = toolkit.h.lang()
    except Exception:  # outside a request: CLI, background jobs
        lang = toolkit.config.get("ckan.locale_default")
    return lang if lang in SUPPORTED else "de"


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
