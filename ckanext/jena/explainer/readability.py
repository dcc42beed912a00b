"""How easy an explainer is to read: Amstad's German Flesch reading ease and the first Wiener
Sachtextformel (WSTF), computed with the pinned ``textstat`` (see requirements.txt), plus the
words and sentences that push the scores over the limits, for the editor to highlight.

English text gets the English Flesch reading ease (Flesch 1948), with syllables counted by
pyphen's en_US hyphenation: textstat's own English counting needs the CMU dictionary, which it
downloads at run time, and this portal fetches nothing at run time. WSTF is German only."""
from __future__ import annotations

import html
import re
import threading

import pyphen
import textstat
from ckan.plugins import toolkit

from ckanext.jena import settings

FLESCH_TARGET = 60
WSTF_TARGET = 8
_LOCK = threading.Lock()  # textstat keeps its language in module state
_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_REFERENCE_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\[[^\[\]\n]*\]")
_DEFINITION = re.compile(r"^[ \t>*+-]*\[[^\[\]\n]+\]:.*$")
_MARKUP = re.compile(r"(?<!\\)[*_`#>]+")
_ESCAPE = re.compile(r"\\(.)")
_LIST_ITEM = re.compile(r"^\s*(?:[-+*]|\d+[.)])\s+")
_WORD = re.compile(r"[^\W\d_](?:[^\W_]|[-'’])*", re.U)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def plain_text(markdown: str) -> str:
    """Markdown as the sentences a reader reads: links become their text, each list item and
    paragraph is a sentence of its own (a missing full stop is added)."""
    lines = []
    for line in (markdown or "").splitlines():
        if _DEFINITION.match(line):
            continue
        line = _LIST_ITEM.sub("", line)
        line = _REFERENCE_LINK.sub(r"\1", _LINK.sub(r"\1", line))
        line = html.unescape(_ESCAPE.sub(r"\1", _MARKUP.sub("", line))).strip()
        if not line:
            continue
        if line[-1] not in ".!?:":
            line += "."
        lines.append(line.rstrip(":") + ("." if line.endswith(":") else ""))
    return " ".join(lines)


_EN_HYPHENATION = pyphen.Pyphen(lang="en_US")


def _syllables(word: str, lang: str) -> int:
    if lang == "de":
        return textstat.syllable_count(word)
    return max(1, len(_EN_HYPHENATION.positions(word.lower())) + 1)


def _flesch_en(words: list, sentences: int) -> float:
    syllables = sum(_syllables(word, "en") for word in words)
    return 206.835 - 1.015 * (len(words) / max(1, sentences)) - 84.6 * (syllables / len(words))


def long_word_syllables() -> int:
    return toolkit.asint(settings.get("ckanext.jena.explainer.long_word_syllables"))


def long_sentence_words() -> int:
    return toolkit.asint(settings.get("ckanext.jena.explainer.long_sentence_words"))


def score(markdown: str, lang: str = "de") -> dict:
    """{"flesch", "wstf" (German only, else None), "words", "sentences", "long_words",
    "long_sentences", "targets_met", "lang"}; scores are None for empty text."""
    text = plain_text(markdown)
    words = _WORD.findall(text)
    result = {"lang": lang, "flesch": None, "wstf": None, "words": len(words), "sentences": 0,
              "long_words": [], "long_sentences": [], "targets_met": False,
              "flesch_target": FLESCH_TARGET, "wstf_target": WSTF_TARGET if lang == "de" else None}
    if not words:
        return result
    with _LOCK:
        textstat.set_lang("de")  # the English figures below use textstat's sentence count only
        result["sentences"] = textstat.sentence_count(text)
        if lang == "de":
            result["flesch"] = round(textstat.flesch_reading_ease(text), 1)
            result["wstf"] = round(textstat.wiener_sachtextformel(text, 1), 1)
        else:
            result["flesch"] = round(_flesch_en(words, result["sentences"]), 1)
        limit = long_word_syllables()
        long_words = [word for word in dict.fromkeys(words) if len(word) > 3 and _syllables(word, lang) >= limit]
    result["long_words"] = long_words
    sentence_limit = long_sentence_words()
    result["long_sentences"] = [sentence for sentence in _SENTENCE.split(text)
                                if len(_WORD.findall(sentence)) > sentence_limit]
    result["targets_met"] = result["flesch"] >= FLESCH_TARGET and (
        result["wstf"] is None or result["wstf"] <= WSTF_TARGET)
    return result
