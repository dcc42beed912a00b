"""Parser for the Solr/Lucene query dialect that CKAN and its extensions send.

CKAN core, ckanext-scheming, ckanext-dcat and ckanext-harvest build `q` and `fq` strings in
Lucene's standard query syntax (``+state:active``, ``tags:"Open Data"``,
``metadata_modified:[2020-01-01T00:00:00Z TO NOW]``, ``-capacity:private``,
``state:(active OR draft)``, ``*:*``); free-text searches from the UI go through Solr's
DisMax parser (bare words, ``"phrases"``, ``+must`` / ``-must_not``).

This module turns such a string into a small tree (:class:`Bool`, :class:`Term`) that
``sql.py`` compiles to PostgreSQL. Everything it cannot represent faithfully (fuzzy and
proximity searches, regular expressions, local parameters, function queries) raises
:class:`UnsupportedQuery` naming the construct, so a client gets a clear 400 instead of
silently different results. Boolean precedence follows Lucene's own ``QueryParser.addClause``.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Optional, Union

MUST, SHOULD, MUST_NOT = "must", "should", "must_not"
_CONJ_NONE, _CONJ_AND, _CONJ_OR = 0, 1, 2
_MOD_NONE, _MOD_NOT, _MOD_REQ = 0, 1, 2

# characters that end a bare term unless escaped with a backslash
_TERM_STOP = set(' \t\r\n()[]{}":^~')
# address schemes whose "scheme://" starts a literal address in a query, not a field
_URL_SCHEMES = frozenset({"http", "https", "ftp"})


class UnsupportedQuery(ValueError):
    """The query uses syntax this backend does not implement (or is malformed)."""


@dataclasses.dataclass
class Term:
    """One leaf: ``field`` is None for the default field(s)."""
    field: Optional[str]
    kind: str  # term | phrase | prefix | wildcard | exists | range | all
    text: str = ""
    low: Optional[str] = None
    high: Optional[str] = None
    include_low: bool = True
    include_high: bool = True


@dataclasses.dataclass
class Clause:
    occur: str
    node: "Node"


@dataclasses.dataclass
class Bool:
    clauses: list
    # for DisMax/eDisMax: how many SHOULD clauses must match (None: Lucene rules)
    min_should: Optional[int] = None


Node = Union[Term, Bool]
MATCH_ALL = Term(field=None, kind="all")


class _Parser:
    def __init__(self, text: str, default_and: bool, allow_fields: bool, lenient: bool = False):
        self.lenient = lenient  # DisMax: a lone '+'/'-' typed into the search box is ignored
        self.s = text
        self.i = 0
        self.default_and = default_and
        self.allow_fields = allow_fields

    # -- low level -------------------------------------------------------------------------
    def error(self, message: str) -> UnsupportedQuery:
        return UnsupportedQuery(f"{message} (at position {self.i} in {self.s!r})")

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def skip_ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def at_end(self) -> bool:
        self.skip_ws()
        return self.i >= len(self.s)

    def read_word(self) -> tuple[str, bool, bool]:
        """Read a bare term. Returns (text, has_unescaped_wildcard, was_escaped_anything)."""
        out = []
        wildcard = False
        start = self.i
        while self.i < len(self.s):
            ch = self.s[self.i]
            if ch == "\\":
                if self.i + 1 >= len(self.s):
                    raise self.error("a backslash at the end of the query escapes nothing")
                out.append(self.s[self.i + 1])
                self.i += 2
                continue
            if ch in _TERM_STOP:
                break
            if ch == ":" and self.allow_fields:
                break
            if ch in "*?":
                wildcard = True
            out.append(ch)
            self.i += 1
        return "".join(out), wildcard, self.i > start

    def read_quoted(self) -> str:
        assert self.peek() == '"'
        self.i += 1
        out = []
        while self.i < len(self.s):
            ch = self.s[self.i]
            if ch == "\\" and self.i + 1 < len(self.s):
                out.append(self.s[self.i + 1])
                self.i += 2
                continue
            if ch == '"':
                self.i += 1
                return "".join(out)
            out.append(ch)
            self.i += 1
        raise self.error("a quoted phrase is not closed")

    def read_modifiers_suffix(self) -> None:
        """Boosts only change ranking: accepted and ignored. Fuzzy/proximity are refused."""
        while True:
            ch = self.peek()
            if ch == "^":
                self.i += 1
                num, _, _ = self.read_word()
                try:
                    float(num)
                except ValueError:
                    raise self.error(f"boost '^{num}' is not a number")
            elif ch == "~":
                raise self.error("fuzzy and proximity searches ('~') are not supported")
            else:
                return

    # -- grammar ---------------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.parse_query(default_field=None, depth=0)
        if not self.at_end():
            raise self.error(f"unexpected {self.peek()!r}")
        return node

    def parse_query(self, default_field: Optional[str], depth: int) -> Node:
        if depth > 20:
            raise self.error("query nests parentheses too deeply")
        clauses: list[Clause] = []
        prohibited_flags: list[bool] = []
        while True:
            self.skip_ws()
            if self.i >= len(self.s) or self.peek() == ")":
                break
            conj = _CONJ_NONE
            if clauses:
                conj = self.read_conjunction()
                self.skip_ws()
            mods = self.read_prefix_modifier()
            self.skip_ws()
            if self.i >= len(self.s) or self.peek() == ")":
                if conj != _CONJ_NONE or mods != _MOD_NONE:
                    raise self.error("an operator has nothing after it")
                break
            node = self.parse_clause(default_field, depth)
            self.add_clause(clauses, prohibited_flags, conj, mods, node)
        if not clauses:
            if self.lenient:
                return MATCH_ALL
            raise self.error("empty query")
        if len(clauses) == 1 and clauses[0].occur != MUST_NOT:
            return clauses[0].node
        return Bool(clauses)

    def read_conjunction(self) -> int:
        for word, conj in (("AND", _CONJ_AND), ("&&", _CONJ_AND), ("OR", _CONJ_OR), ("||", _CONJ_OR)):
            if self.s.startswith(word, self.i):
                after = self.peek(len(word))
                if word in ("&&", "||") or after == "" or after.isspace() or after == "(":
                    self.i += len(word)
                    return conj
        return _CONJ_NONE

    def read_prefix_modifier(self) -> int:
        ch = self.peek()
        if ch in "+-!":
            self.i += 1
            if self.lenient and (self.peek() == "" or self.peek().isspace()):
                return _MOD_NONE
            if self.peek() in ("+", "-", "!") or self.peek() == "" or self.peek().isspace():
                raise self.error(f"the operator '{ch}' must stand directly before a term")
            return _MOD_REQ if ch == "+" else _MOD_NOT
        if self.s.startswith("NOT", self.i) and (self.peek(3) in ("", "(") or self.peek(3).isspace()):
            self.i += 3
            return _MOD_NOT
        return _MOD_NONE

    def add_clause(self, clauses, prohibited_flags, conj, mods, node) -> None:
        # Lucene's QueryParserBase.addClause, so that "a OR b AND c" means what Solr makes of it
        if clauses and conj == _CONJ_AND and not prohibited_flags[-1]:
            clauses[-1].occur = MUST
        if clauses and self.default_and and conj == _CONJ_OR and not prohibited_flags[-1]:
            clauses[-1].occur = SHOULD
        if not self.default_and:
            prohibited = mods == _MOD_NOT
            required = mods == _MOD_REQ
            if conj == _CONJ_AND and not prohibited:
                required = True
        else:
            prohibited = mods == _MOD_NOT
            required = (not prohibited) and conj != _CONJ_OR
        occur = MUST_NOT if prohibited else (MUST if required else SHOULD)
        clauses.append(Clause(occur, node))
        prohibited_flags.append(prohibited)

    def parse_group(self, default_field: Optional[str], depth: int) -> Node:
        """``( ... )``, optionally after ``field:``, whose bare values then go to that field."""
        self.i += 1
        node = self.parse_query(default_field, depth + 1)
        self.skip_ws()
        if self.peek() != ")":
            raise self.error("a parenthesis is not closed")
        self.i += 1
        self.read_modifiers_suffix()
        return node

    def parse_phrase(self, field: Optional[str]) -> Term:
        text = self.read_quoted()
        self.read_modifiers_suffix()
        return Term(field, "phrase", text)

    def parse_clause(self, default_field: Optional[str], depth: int) -> Node:
        ch = self.peek()
        if ch == "(":
            return self.parse_group(default_field, depth)
        if ch == "{" and self.peek(1) == "!":
            raise self.error("local parameters ('{!...}') are not supported")
        if ch == "/":
            raise self.error("regular expression searches ('/.../') are not supported")
        if ch == '"':
            return self.parse_phrase(default_field)
        if ch in "[{":
            return self.parse_range(default_field)
        word, wildcard, _ = self.read_word()
        if self.allow_fields and word and self.peek() != ":":
            # Solr accepts blanks before the colon too ("_query_store : true")
            j = self.i
            while j < len(self.s) and self.s[j].isspace():
                j += 1
            if j < len(self.s) and self.s[j] == ":":
                self.i = j
        if (self.allow_fields and word.lower() in _URL_SCHEMES and not wildcard
                and self.s.startswith("://", self.i)):
            # a pasted address (https://...) is text to look for, not field "https" with a
            # regular expression, which is what Lucene would make of it and refuse
            url = [word]
            while self.i < len(self.s) and not self.s[self.i].isspace():
                url.append(self.s[self.i])
                self.i += 1
            return Term(default_field, "phrase", "".join(url))
        if self.allow_fields and self.peek() == ":" and word:
            if default_field is not None:
                raise self.error(f"field '{word}' inside the value list of field '{default_field}'")
            self.i += 1
            field = word
            self.skip_ws()  # Solr accepts "groups: \"name\"" (CKAN's feeds send it)
            if field == "*":
                # *:* and *:something: only the match-all form is meaningful
                value, _, _ = self.read_word()
                if value != "*":
                    raise self.error("'*:' can only be followed by '*'")
                self.read_modifiers_suffix()
                return MATCH_ALL
            nxt = self.peek()
            if nxt == "(":
                return self.parse_group(field, depth)
            if nxt == '"':
                return self.parse_phrase(field)
            if nxt in "[{":
                return self.parse_range(field)
            if nxt == "/":
                raise self.error("regular expression searches ('/.../') are not supported")
            value, wildcard, _ = self.read_word()
            if not value:
                raise self.error(f"field '{field}' has no value")
            self.read_modifiers_suffix()
            return self.word_term(field, value, wildcard)
        if not word:
            raise self.error(f"unexpected {ch!r}")
        self.read_modifiers_suffix()
        return self.word_term(default_field, word, wildcard)

    def word_term(self, field: Optional[str], value: str, wildcard: bool) -> Term:
        if not wildcard:
            return Term(field, "term", value)
        if value == "*":
            if field is None:
                return MATCH_ALL
            return Term(field, "exists")
        body = value[:-1]
        if value.endswith("*") and "*" not in body and "?" not in body:
            return Term(field, "prefix", body)
        return Term(field, "wildcard", value)

    def parse_range(self, field: Optional[str]) -> Term:
        if field is None:
            raise self.error("a range needs a field, e.g. metadata_modified:[NOW-1YEAR TO NOW]")
        include_low = self.peek() == "["
        self.i += 1
        bounds = []
        for _ in range(2):
            self.skip_ws()
            if self.peek() == '"':
                bounds.append(self.read_quoted())
            else:
                word, _, _ = self._read_range_word()
                bounds.append(word)
            self.skip_ws()
            if len(bounds) == 1:
                if not self.s.startswith("TO", self.i):
                    raise self.error("a range needs 'TO' between its bounds")
                self.i += 2
        end = self.peek()
        if end not in "]}" or end == "":
            raise self.error("a range is not closed with ']' or '}'")
        self.i += 1
        self.read_modifiers_suffix()
        low, high = bounds
        if low == "*" and high == "*":
            return Term(field, "exists")
        return Term(field, "range", low=None if low == "*" else low,
                    high=None if high == "*" else high,
                    include_low=include_low, include_high=end == "]")

    def _read_range_word(self):
        out = []
        while self.i < len(self.s):
            ch = self.s[self.i]
            if ch == "\\" and self.i + 1 < len(self.s):
                out.append(self.s[self.i + 1])
                self.i += 2
                continue
            if ch.isspace() or ch in "]}":
                break
            out.append(ch)
            self.i += 1
        if not out:
            raise self.error("a range bound is missing")
        return "".join(out), False, True


def parse_lucene(text: str, default_and: bool = True) -> Node:
    """Parse a string in Lucene's standard query syntax (Solr's `lucene` parser)."""
    text = (text or "").strip()
    if not text:
        return MATCH_ALL
    return _Parser(text, default_and=default_and, allow_fields=True).parse()


_DISMAX_LITERAL = re.compile(r'[\\!(){}\[\]^~*?:/&|]')


def parse_dismax(text: str, mm: Optional[str]) -> Node:
    """Parse a DisMax query: bare words and phrases with +/-; ``mm`` sets how many match.

    Like Solr's DisMax, what people type into a search box is never a syntax error:
    brackets, colons, wildcards and the like are read as separators, and quotes only
    count when they are balanced."""
    text = _DISMAX_LITERAL.sub(" ", text or "")
    if text.count('"') % 2:
        text = text.replace('"', " ")
    text = text.strip()
    if not text or text in ("*", "*:*"):
        return MATCH_ALL
    parser = _Parser(text, default_and=False, allow_fields=False, lenient=True)
    node = parser.parse()
    if isinstance(node, Term):
        node = Bool([Clause(SHOULD, node)])
    should = [c for c in node.clauses if c.occur == SHOULD]
    node.min_should = minimum_should_match(mm, len(should)) if should else 0
    if not should and not any(c.occur == MUST for c in node.clauses):
        node.min_should = None
    return node


def minimum_should_match(spec: Optional[str], optional_clauses: int) -> int:
    """Solr's `mm` parameter: how many of ``optional_clauses`` must match.

    Supports integers, percentages (both may be negative) and conditional
    expressions such as CKAN's default ``2<-1 5<80%``.
    """
    n = optional_clauses
    spec = (spec or "100%").strip()
    if "<" in spec:
        result = n  # below the first threshold all optional clauses are required
        for part in spec.split():
            if "<" not in part:
                raise UnsupportedQuery(f"cannot read mm={spec!r}")
            threshold, _, sub = part.partition("<")
            try:
                if n > int(threshold):
                    result = _mm_simple(sub, n)
            except ValueError:
                raise UnsupportedQuery(f"cannot read mm={spec!r}")
        return max(0, min(n, result))
    try:
        return max(0, min(n, _mm_simple(spec, n)))
    except ValueError:
        raise UnsupportedQuery(f"cannot read mm={spec!r}")


def _mm_simple(spec: str, n: int) -> int:
    if spec.endswith("%"):
        pct = int(spec[:-1])
        if pct < 0:
            return n - int(n * -pct / 100)
        return int(n * pct / 100)
    value = int(spec)
    return n + value if value < 0 else value
