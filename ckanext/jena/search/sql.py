"""Compile parsed Lucene/DisMax queries to SQL over the jena_search_document table.

The compiler works in two passes: first it collects every free-text token of the query so
that PostgreSQL can stem them all in one round trip (``resolve_lexemes``), then it writes the
WHERE clause with named parameters. Leaf conditions are plain, indexable expressions that may
be NULL where a column is NULL; NULL excludes a row like FALSE does, and the two places where
that is not enough (``NOT`` and counting matches for ``mm``) wrap them in COALESCE.
"""
from __future__ import annotations

import datetime
import itertools
import math
import re
from typing import Any, Optional

from dateutil.relativedelta import relativedelta

from . import document, fields
from .db import execute
from .lucene import MUST, MUST_NOT, SHOULD, Bool, Node, Term, UnsupportedQuery

TABLE = "jena_search_document"
TS_CONFIG = "jena_german"
WORD_RE = re.compile(r"\w+", re.UNICODE)
# stems at least this long also match as prefixes: "Baum" finds "Baumkataster"
PREFIX_MIN_STEM = 4
# surface substrings at least this long match inside compounds: "kataster" in "Baumkataster"
SUBSTRING_MIN = 4
FIELD_RE = re.compile(r"^[A-Za-z0-9_.\-@]+$")
BBOX_FIELD = "jena_bbox"
# a word part found in more distinct words than this is matched on the text itself
MAX_SUBSTRING_WORDS = 1000
CONSTANT_RANK = "1.0::float4"
# "at least k of n words" (CKAN's mm) is one tsquery of all k-word combinations up to this many
MAX_MM_COMBINATIONS = 64
# the lexemes of one tsquery must stay below 1 MB: a word whose runs would make its own tsquery
# larger than this is matched on the text, like one held by too many runs
MAX_WORD_QUERY_BYTES = 256 * 1024
# words are merged into one tsquery up to this size; beyond it each word is a tsquery of its
# own, all answered by the same index scan
MAX_MERGED_QUERY_BYTES = 64 * 1024


MAX_TOKEN_CHARS = 255  # like Solr's standard tokenizer


# match_vector holds each whitespace-separated run of the folded text behind this mark, next
# to the stems (migration d4a7e91c3b52); a searched token holds word characters only, so no
# stem of one starts with it
RUN_MARK = chr(1)
# runs longer than this are not in match_vector (a lexeme holds at most 2,047 bytes)
MAX_RUN_BYTES = 2000 - len(RUN_MARK)


def tsquery_lexeme(text: str) -> str:
    """``text`` as one quoted lexeme of tsquery input (backslash and quote escaped)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def words(text: str) -> list[str]:
    return [w[:MAX_TOKEN_CHARS] for w in WORD_RE.findall(text or "")]


def collect_words(node: Node, default_text: bool, out: set) -> None:
    """Every token that will be matched as German free text (for stemming up front)."""
    if isinstance(node, Bool):
        for clause in node.clauses:
            collect_words(clause.node, default_text, out)
        return
    field = node.field
    is_text = (field is None and default_text) or (field is not None and fields.is_text(field))
    if is_text and node.kind in ("term", "prefix", "phrase"):
        out.update(w for w in words(node.text))


def resolve_lexemes(connection, tokens: set) -> dict:
    """{token: stem or '' for a stop word}, stemmed by PostgreSQL's German snowball stemmer."""
    if not tokens:
        return {}
    ordered = sorted(tokens)
    rows = execute(
        connection,
        "SELECT t, ts_lexize('jena_german_stem', jena_fold(t)) FROM unnest(%(tokens)s::text[]) AS t",
        {"tokens": ordered},
    ).fetchall()
    result = {}
    for token, lexemes in rows:
        result[token] = (lexemes[0] if lexemes else "") if lexemes is not None else token.lower()
    return result


def resolve_substrings(connection, tokens: set) -> dict:
    """{token: [(run, its lexemes), ...]}: the distinct whitespace-separated runs of the
    index's folded texts that contain the token, for tokens long enough to match inside
    compounds; None where more than MAX_SUBSTRING_WORDS runs do.

    The runs come from jena_search_word (every run of every document, trigram-indexed): a
    handful of rows instead of every hit's text. Each comes with the lexemes PostgreSQL's
    German configuration makes of it, so that the compiler can leave out the runs the stem
    finds anyway ("jena-nord" for "Jena"): match_vector holds the lexemes of every run."""
    candidates = sorted(t for t in tokens if len(t) >= SUBSTRING_MIN)
    if not candidates:
        return {}
    rows = execute(connection, f"""
        SELECT (SELECT array_agg(json_build_array(word, tsvector_to_array(
                            to_tsvector('{TS_CONFIG}', word)))) FROM (
                    SELECT word FROM jena_search_word
                    WHERE word LIKE jena_fold('%%' || replace(replace(replace(t, '\\', '\\\\'),
                                              '%%', '\\%%'), '_', '\\_') || '%%')
                    LIMIT {MAX_SUBSTRING_WORDS + 1}) w)
        FROM unnest(%(tokens)s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n""",
                   {"tokens": candidates}).fetchall()
    result = {}
    for token, (found,) in zip(candidates, rows):
        found = found or []
        result[token] = ([(run, tuple(lexemes)) for run, lexemes in found]
                         if len(found) <= MAX_SUBSTRING_WORDS else None)
    return result


class SolrDate:
    """Solr date values and date math: 2020-01-01T00:00:00Z, NOW, NOW-7DAYS, NOW/DAY+1DAY."""
    UNITS = {
        "YEAR": "years", "YEARS": "years", "MONTH": "months", "MONTHS": "months",
        "DAY": "days", "DAYS": "days", "DATE": "days", "HOUR": "hours", "HOURS": "hours",
        "MINUTE": "minutes", "MINUTES": "minutes", "SECOND": "seconds", "SECONDS": "seconds",
        "MILLI": "microseconds", "MILLIS": "microseconds", "MILLISECOND": "microseconds",
        "MILLISECONDS": "microseconds",
    }
    MATH_RE = re.compile(r"([+\-/])(\d*)([A-Z]+)")

    @classmethod
    def parse(cls, text: str) -> datetime.datetime:
        text = text.strip()
        if text.startswith("NOW"):
            base = datetime.datetime.now(datetime.timezone.utc)
            math = text[3:]
        else:
            idx = text.find("Z")
            head, math = (text[: idx + 1], text[idx + 1:]) if idx >= 0 else (text, "")
            parsed = document.parse_date(head)
            if parsed is None:
                raise UnsupportedQuery(f"'{text}' is not a date (use e.g. 2024-01-31T00:00:00Z or NOW-1YEAR)")
            base = parsed
        pos = 0
        for match in cls.MATH_RE.finditer(math):
            if match.start() != pos:
                break
            pos = match.end()
            op, amount, unit = match.groups()
            if unit not in cls.UNITS:
                raise UnsupportedQuery(f"unknown date unit '{unit}' in '{text}'")
            name = cls.UNITS[unit]
            if op == "/":
                base = cls.round_down(base, name)
            else:
                n = int(amount or "1") * (1 if op == "+" else -1)
                if name == "microseconds":
                    n *= 1000
                base = base + relativedelta(**{name: n})
        if pos != len(math):
            raise UnsupportedQuery(f"cannot read the date math in '{text}'")
        return base

    @staticmethod
    def round_down(value: datetime.datetime, unit: str) -> datetime.datetime:
        order = ["years", "months", "days", "hours", "minutes", "seconds"]
        keep = order.index(unit) if unit in order else len(order) - 1
        fields_to_reset = {"months": 1, "days": 1, "hours": 0, "minutes": 0, "seconds": 0}
        replace: dict[str, int] = {"microsecond": 0}
        for name in order[keep + 1:]:
            replace[{"months": "month", "days": "day", "hours": "hour", "minutes": "minute",
                     "seconds": "second"}[name]] = fields_to_reset[name]
        return value.replace(**replace)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _number(text: Optional[str]) -> Optional[float]:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def balanced(parts: list[str], operator: str) -> str:
    """``a op b op c …`` nested as a balanced tree: PostgreSQL analyses a left-deep chain of
    operators recursively and runs out of stack ("stack depth limit exceeded") at thousands
    of words, a balanced tree of the same parts stays a few levels deep."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return f"({balanced(parts[:middle], operator)} {operator} {balanced(parts[middle:], operator)})"


class Compiler:
    def __init__(self, lexemes: dict, default_fields: list[str], substrings: Optional[dict] = None):
        self.lexemes = lexemes
        self.substrings = substrings or {}
        self.default_fields = default_fields
        self.params: dict[str, Any] = {}
        self.rank_parts: list[str] = []
        # LIKE patterns of the stems searched for: a cheap title test that picks the hits
        # worth ranking when there are very many (see backend.RANK_LIMIT)
        self.title_parts: list[str] = []
        self.text_indexed = False
        self._root_must_text = False
        self._depth = 0

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    # -- boolean structure -----------------------------------------------------------------
    def compile_root(self, node: Node) -> str:
        """``compile`` for the query itself; sets ``text_indexed`` when the answer is the rows
        of a positive match_vector condition ANDed at its top (what the GIN index answers)."""
        sql = self.compile(node)
        self.text_indexed = sql.startswith("d.match_vector @@") or (
            isinstance(node, Bool) and sql.startswith("(d.match_vector @@") and self._root_must_text)
        return sql

    def compile(self, node: Node) -> str:
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            return self._compile(node)
        finally:
            self._depth -= 1

    def _compile(self, node: Node) -> str:
        if isinstance(node, Term):
            return self.leaf(node)
        has_must = any(c.occur == MUST for c in node.clauses)
        n_should = sum(1 for c in node.clauses if c.occur == SHOULD)
        required = None
        if node.min_should is not None:
            required = node.min_should
            if not has_must and n_should:
                required = max(required, 1)
        # the should clauses are all required (mm), one of them is (a plain OR), or some
        all_required = required is not None and n_should and required >= n_should
        plain_or = required is None and not has_must
        must, should, must_not = [], [], []
        # free-text words: one tsquery for those ANDed, one for those ORed (pure_text_query)
        must_text, should_text, counted_text = [], [], []
        for clause in node.clauses:
            if clause.occur == MUST_NOT:
                must_not.append(self.compile_negated(clause.node))
                continue
            text = self.pure_text_query(clause.node)
            if clause.occur == MUST or all_required:
                if text is not None:
                    must_text.append(text)
                else:
                    must.append(self.compile(clause.node))
            elif plain_or and text is not None:
                should_text.append(text)
            else:
                if text is not None:
                    counted_text.append(text)
                    should.append(self.match_condition([text], "&"))
                else:
                    should.append(self.compile(clause.node))
        if must_text:
            must.insert(0, self.match_condition(must_text, "&"))
            if self._depth == 1:
                self._root_must_text = True
        if should_text:
            should.insert(0, self.match_condition(should_text, "|"))
        parts = [p for p in must if p != "TRUE"]
        if all_required:
            pass  # compiled as must clauses above
        elif required is not None and required > 0 and should:
            # each word's tsquery appears in C(n-1, k-1) of the C(n, k) combinations
            expanded = math.comb(len(should) - 1, required - 1) * sum(len(t.encode("utf-8")) for t in counted_text)
            if len(counted_text) == len(should) and math.comb(len(should), required) <= MAX_MM_COMBINATIONS \
                    and expanded <= MAX_MERGED_QUERY_BYTES:
                # "at least 2 of these 3 words" as one tsquery: (a & b) | (a & c) | (b & c)
                parts.append(self.match_condition(
                    [balanced(list(c), "&") for c in itertools.combinations(counted_text, required)], "|"))
            else:
                counted = balanced([f"COALESCE(({s})::int, 0)" for s in should], "+")
                if len(counted_text) == len(should):
                    # at least one of them: the index narrows the rows the count is made on
                    parts.append(self.match_condition(counted_text, "|"))
                parts.append(f"({counted}) >= {int(required)}")
        elif required is None and should and not has_must:
            parts.append(" OR ".join(f"({s})" for s in should) if len(should) > 1 else should[0])
        # leaves may be NULL where a column is NULL: only negation has to care
        parts.extend(f"NOT COALESCE(({n}), FALSE)" for n in must_not)
        if not parts:
            return "TRUE"
        return " AND ".join(f"({p})" for p in parts) if len(parts) > 1 else parts[0]

    def compile_negated(self, node: Node) -> str:
        before, title_before = list(self.rank_parts), list(self.title_parts)
        sql = self.compile(node)
        self.rank_parts, self.title_parts = before, title_before  # excluded words do not rank
        return sql

    # -- leaves ----------------------------------------------------------------------------
    def leaf(self, term: Term) -> str:
        if term.kind == "all":
            return "TRUE"
        if term.field is None:
            targets = self.default_fields
            if "text" in targets:
                return self.text_condition(term)
            conditions = [self.field_condition(Term(f, term.kind, term.text, term.low, term.high,
                                                    term.include_low, term.include_high))
                          for f in targets]
            return " OR ".join(f"({c})" for c in conditions) if len(conditions) > 1 else conditions[0]
        return self.field_condition(term)

    def field_condition(self, term: Term) -> str:
        field = term.field or "text"
        if not FIELD_RE.fullmatch(field):
            raise UnsupportedQuery(f"'{field}' is not a valid field name")
        if field == "text":
            return self.text_condition(term)
        if field == BBOX_FIELD:
            return self.bbox_condition(term)
        if term.kind == "exists":
            return self.exists_condition(field)
        if field in fields.NGRAM_FIELDS:
            return self.ngram_condition(fields.NGRAM_FIELDS[field], term)
        if fields.is_text(field):
            return self.text_field_condition(field, term)
        if term.kind == "range":
            return self.range_condition(field, term)
        if fields.is_date(field) and term.kind in ("term", "phrase"):
            return self.date_equals(field, term.text)
        if term.kind in ("term", "phrase") and field in fields.COLUMN_FIELDS:
            return f"d.{field} = {self.param(term.text)}"
        if term.kind in ("term", "phrase") and field in fields.ARRAY_COLUMN_FIELDS:
            return f"{self.param(term.text)} = ANY(d.{field})"
        if term.kind in ("term", "phrase"):
            entry = document.term(field, term.text)
            number = _number(term.text)
            sql = f"d.terms @> ARRAY[{self.param(entry)}]::text[]"
            if fields.is_numeric(field) and number is not None:
                sql = (f"({sql} OR EXISTS (SELECT 1 FROM jena_values(d.doc, {self.param(field)}) v "
                       f"WHERE jena_try_numeric(v) = {self.param(number)}))")
            return sql
        if term.kind in ("prefix", "wildcard"):
            pattern = self.like_pattern(term)
            return (f"EXISTS (SELECT 1 FROM unnest(d.terms) t WHERE t LIKE "
                    f"{self.param(_like_escape(field) + document.SEPARATOR + pattern)})")
        raise UnsupportedQuery(f"cannot search field '{field}' with {term.kind}")

    @staticmethod
    def like_pattern(term: Term) -> str:
        if term.kind == "prefix":
            return _like_escape(term.text) + "%"
        out = []
        for ch in term.text:
            out.append("%" if ch == "*" else "_" if ch == "?" else _like_escape(ch))
        return "".join(out)

    def exists_condition(self, field: str) -> str:
        f = self.param(field)
        return (f"(d.doc ? {f} AND jsonb_typeof(d.doc -> {f}) <> 'null' "
                f"AND d.doc -> {f} NOT IN ('\"\"'::jsonb, '[]'::jsonb))")

    # German full text over the combined `text` field (weighted vector + folded surface text)
    def token_tsquery(self, token: str, prefix: bool) -> Optional[str]:
        stem = self.lexemes.get(token)
        if stem is None:
            stem = token.lower()
        if not stem:
            return None  # a stop word: Solr's analyser drops it too
        literal = "'" + stem.replace("'", "''") + "'"
        if prefix or len(stem) >= PREFIX_MIN_STEM:
            literal += ":*"
        return literal

    def text_condition(self, term: Term) -> str:
        if term.kind == "exists":
            return "d.search_text <> ''"
        if term.kind == "phrase":
            q = f"phraseto_tsquery('{TS_CONFIG}', jena_fold({self.param(term.text)}))"
            self.rank_parts.append(q)
            return f"(numnode({q}) = 0 OR d.search_vector @@ {q})"
        if term.kind in ("term", "prefix"):
            tokens = words(term.text)
            matched, conditions = self._token_queries(term, tokens)
            if matched:
                conditions.insert(0, self.match_condition(matched, "&"))
            if not conditions:
                return "TRUE"
            combined = " AND ".join(conditions) if len(conditions) > 1 else conditions[0]
            if len(tokens) > 1:
                # PostgreSQL's parser keeps "jena.de", "2.5" or "info@jena.de" as one word
                whole = (f"plainto_tsquery('{TS_CONFIG}', "
                         f"jena_fold({self.param(term.text[:MAX_TOKEN_CHARS])}))")
                surface = self.param("%" + _like_escape(term.text[:MAX_TOKEN_CHARS]) + "%")
                combined = (f"(({combined}) OR d.search_vector @@ {whole} "
                            f"OR d.search_text LIKE jena_fold({surface}))")
            return combined
        if term.kind == "wildcard":
            pattern = self.param(self.like_pattern(term))
            return f"d.search_text LIKE jena_fold({pattern})"
        raise UnsupportedQuery(f"the full-text field cannot be searched with a {term.kind}")

    def _token_queries(self, term: Term, tokens: list[str]) -> tuple[list[str], list[str]]:
        """Each searched token of a free-text term as a tsquery over ``match_vector`` (its
        stem, or a prefix of it, or a whitespace-separated run of the text holding it), where
        it can be one; otherwise as an SQL condition (a word part held by too many words, or by
        a run too long to be a lexeme, is matched on the text itself)."""
        matched, conditions = [], []
        for token in tokens:
            tsq = self.token_tsquery(token, prefix=term.kind == "prefix")
            if tsq is None:
                continue
            self.rank_parts.append(f"{self.param(tsq)}::tsquery")
            stem = tsq.split("'")[1].replace("''", "'")
            self.title_parts.append(self.param("%" + _like_escape(stem) + "%"))
            if len(token) < SUBSTRING_MIN:
                matched.append(tsq)
                continue
            query = self._word_query(token, tsq)
            if query is None:
                conditions.append(f"(d.match_vector @@ {self.param(tsq)}::tsquery OR "
                                  f"d.search_text LIKE jena_fold({self.param('%' + _like_escape(token) + '%')}))")
                continue
            matched.append(query)
        return matched, conditions

    def _word_query(self, token: str, tsq: str) -> Optional[str]:
        """The tsquery of one searched token (``tsq``: its stem) with the runs that hold it,
        or None where it is matched on the text: held by too many runs, by a run too long to be
        a lexeme, or by runs that would make the tsquery too large."""
        if len(token) < SUBSTRING_MIN:
            return tsq
        found = self._runs_beyond_stem(token, tsq)
        if found is None or any(len(w.encode("utf-8")) > MAX_RUN_BYTES for w in found):
            return None
        query = balanced([tsq] + [tsquery_lexeme(RUN_MARK + w) for w in sorted(found)], "|")
        return query if len(query.encode("utf-8")) <= MAX_WORD_QUERY_BYTES else None

    def _runs_beyond_stem(self, token: str, tsq: str) -> Optional[list[str]]:
        """The runs holding ``token`` that its stem query ``tsq`` does not find already,
        or None (too many runs: matched on the text). A run one of whose own lexemes the stem
        query matches is left out: match_vector holds the lexemes of all the document's runs."""
        found = self.substrings.get(token)
        if found is None:
            return None
        stem = tsq.split("'")[1].replace("''", "'")
        prefix = tsq.endswith(":*")
        return [run for run, lexemes in found
                if not any(lexeme == stem or (prefix and lexeme.startswith(stem)) for lexeme in lexemes)]

    def pure_text_query(self, node: Node) -> Optional[str]:
        """A clause that is one free-text word (``Bäume``, ``text:Bäume``, ``Bau*``) as a
        tsquery over ``match_vector``, or None. The words of a query ANDed (or ORed)
        together become one tsquery, which one GIN scan answers from its posting lists:
        PostgreSQL cannot intersect the per-word conditions in the index otherwise and
        tests all but one word on each row's text."""
        if not isinstance(node, Term) or node.kind not in ("term", "prefix"):
            return None
        if not (node.field == "text" or (node.field is None and "text" in self.default_fields)):
            return None
        tokens = words(node.text)
        if len(tokens) != 1:
            return None
        token = tokens[0]
        tsq = self.token_tsquery(token, prefix=node.kind == "prefix")
        if tsq is None or self._word_query(token, tsq) is None:
            return None
        matched, conditions = self._token_queries(node, tokens)
        assert len(matched) == 1 and not conditions
        return matched[0]

    def match_condition(self, queries: list[str], operator: str) -> str:
        """``queries`` joined by ``operator`` ("&" or "|") as one tsquery over match_vector, or,
        beyond MAX_MERGED_QUERY_BYTES, as one condition per query joined in SQL (the same index
        answers them together)."""
        if len(queries) > 1 and sum(len(q.encode("utf-8")) for q in queries) > MAX_MERGED_QUERY_BYTES:
            joined = " AND " if operator == "&" else " OR "
            return "(" + joined.join(f"(d.match_vector @@ {self.param(q)}::tsquery)" for q in queries) + ")"
        return f"d.match_vector @@ {self.param(balanced(queries, operator))}::tsquery"

    def text_field_condition(self, field: str, term: Term) -> str:
        """A text field other than `text` (title:, notes:, res_name:, extras_*).

        Checked on the fly against the field's own words; for fields whose words are also
        in the combined text, the indexed combined match narrows the rows first."""
        exact = self._text_field_exact(field, term)
        if field in fields.TEXT_COLUMN_FIELDS:
            return exact
        if fields.is_copied_to_text(field) and term.kind in ("term", "prefix", "phrase"):
            narrowing = self.text_condition(term)
            return f"({narrowing}) AND ({exact})"
        return exact

    def _text_field_exact(self, field: str, term: Term) -> str:
        if field in fields.TEXT_COLUMN_FIELDS:
            return self._text_column_exact(field, term)
        f = self.param(field)
        if term.kind == "phrase":
            value = self.param(term.text)
            return (f"EXISTS (SELECT 1 FROM jena_values(d.doc, {f}) v WHERE "
                    f"to_tsvector('{TS_CONFIG}', jena_fold(v)) @@ "
                    f"phraseto_tsquery('{TS_CONFIG}', jena_fold({value})))")
        if term.kind in ("term", "prefix"):
            conditions = []
            for token in words(term.text):
                tsq = self.token_tsquery(token, prefix=term.kind == "prefix")
                if tsq is None:
                    continue
                pattern = self.param("%" + _like_escape(token) + "%")
                conditions.append(
                    f"EXISTS (SELECT 1 FROM jena_values(d.doc, {f}) v WHERE "
                    f"to_tsvector('{TS_CONFIG}', jena_fold(v)) @@ {self.param(tsq)}::tsquery "
                    f"OR jena_fold(v) LIKE jena_fold({pattern}))")
            if not conditions:
                return "TRUE"
            return " AND ".join(conditions)
        if term.kind == "wildcard":
            pattern = self.param(self.like_pattern(term))
            return (f"EXISTS (SELECT 1 FROM jena_values(d.doc, {f}) v "
                    f"WHERE jena_fold(v) LIKE jena_fold({pattern}))")
        if term.kind == "range":
            return self.range_condition(field, term)
        raise UnsupportedQuery(f"field '{field}' cannot be searched with a {term.kind}")

    def _text_column_exact(self, column: str, term: Term) -> str:
        """A text field with a column of its own (`title:`), matched on the column's words.

        German stems are prefixes of the folded words they come from, so a trigram-indexed
        LIKE on each stem narrows the rows before the words are checked exactly."""
        value = f"jena_fold(d.{column})"
        vector = f"to_tsvector('{TS_CONFIG}', {value})"
        if term.kind == "wildcard":
            return f"{value} LIKE jena_fold({self.param(self.like_pattern(term))})"
        if term.kind not in ("term", "prefix", "phrase"):
            raise UnsupportedQuery(f"field '{column}' cannot be searched with a {term.kind}")
        narrowing, conditions = [], []
        for token in words(term.text):
            tsq = self.token_tsquery(token, prefix=term.kind == "prefix")
            if tsq is None:
                continue
            stem = tsq.split("'")[1].replace("''", "'")
            narrowing.append(f"{value} LIKE {self.param('%' + _like_escape(stem) + '%')}")
            if term.kind != "phrase":
                cond = f"{vector} @@ {self.param(tsq)}::tsquery"
                if len(token) >= SUBSTRING_MIN:
                    pattern = self.param("%" + _like_escape(token) + "%")
                    cond = f"({cond} OR {value} LIKE jena_fold({pattern}))"
                conditions.append(cond)
        if term.kind == "phrase" and narrowing:
            conditions.append(f"{vector} @@ phraseto_tsquery('{TS_CONFIG}', "
                              f"jena_fold({self.param(term.text)}))")
        parts = narrowing + conditions
        return " AND ".join(parts) if parts else "TRUE"

    def ngram_condition(self, source_field: str, term: Term) -> str:
        # name and title have columns with trigram indexes (schema.sql)
        value = self.param("%" + _like_escape(term.text.strip()) + "%")
        return f"jena_fold(d.{source_field}) LIKE jena_fold({value})"

    def date_equals(self, field: str, text: str) -> str:
        when = self.param(SolrDate.parse(text))
        if field in ("metadata_modified", "metadata_created"):
            return f"d.{field} = {when}"
        return (f"EXISTS (SELECT 1 FROM jena_values(d.doc, {self.param(field)}) v "
                f"WHERE jena_try_timestamptz(v) = {when})")

    def range_condition(self, field: str, term: Term) -> str:
        low_op = ">=" if term.include_low else ">"
        high_op = "<=" if term.include_high else "<"
        if fields.is_date(field):
            low = SolrDate.parse(term.low) if term.low is not None else None
            high = SolrDate.parse(term.high) if term.high is not None else None
            if field in ("metadata_modified", "metadata_created"):
                expr = f"d.{field}"
                checks = [f"{expr} IS NOT NULL"]
            else:
                expr = "jena_try_timestamptz(v)"
                checks = [f"{expr} IS NOT NULL"]
        else:
            low_n, high_n = _number(term.low), _number(term.high)
            numeric = fields.is_numeric(field) or (
                (term.low is None or low_n is not None) and (term.high is None or high_n is not None))
            if numeric:
                if (term.low is not None and low_n is None) or (term.high is not None and high_n is None):
                    raise UnsupportedQuery(f"the range on '{field}' needs numbers")
                low, high = low_n, high_n
                expr = "jena_try_numeric(v)"
            else:
                low, high = term.low, term.high
                expr = 'v COLLATE "C"'
            checks = [f"{expr} IS NOT NULL"]
        if low is not None:
            checks.append(f"{expr} {low_op} {self.param(low)}")
        if high is not None:
            checks.append(f"{expr} {high_op} {self.param(high)}")
        condition = " AND ".join(checks)
        if expr.startswith("d."):
            return condition
        return (f"EXISTS (SELECT 1 FROM jena_values(d.doc, {self.param(field)}) v "
                f"WHERE {condition})")

    def bbox_condition(self, term: Term) -> str:
        try:
            minx, miny, maxx, maxy = (float(v) for v in term.text.split(","))
        except ValueError:
            raise UnsupportedQuery(
                f"{BBOX_FIELD} needs 'minx,miny,maxx,maxy' in degrees, got {term.text!r}")
        box = self.param(f"(({minx},{miny}),({maxx},{maxy}))")
        return f"d.bbox && {box}::box"

    def rank_expression(self) -> str:
        if not self.rank_parts:
            return CONSTANT_RANK
        combined = balanced(self.rank_parts, "||")
        return f"ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', d.search_vector, ({combined}))"


SORT_COLUMNS = {
    "metadata_modified": "d.metadata_modified",
    "metadata_created": "d.metadata_created",
    "title_string": "d.title_string",
}


def order_by(sort: Optional[str], score_sql: Optional[str]) -> str:
    """Solr's sort parameter ("score desc, metadata_modified desc") as ORDER BY.

    ``score_sql`` None: every hit has the same score (no free text), so sorting by it is left
    out and "newest first" can be read from the index in that order."""
    sort = (sort or "score desc").strip()
    parts = []
    for item in sort.split(","):
        pieces = item.split()
        if not pieces:
            continue
        if len(pieces) != 2 or pieces[1].lower() not in ("asc", "desc"):
            raise UnsupportedQuery(f'Invalid "sort" parameter: {item.strip()!r} '
                                   '(use "<field> asc" or "<field> desc")')
        field, direction = pieces[0], pieces[1].upper()
        if not FIELD_RE.fullmatch(field):
            raise UnsupportedQuery(f'Invalid "sort" parameter: cannot sort by {field!r}')
        if field == "score":
            if score_sql is None:
                continue
            expr = score_sql
        elif field in SORT_COLUMNS:
            expr = SORT_COLUMNS[field]
        elif fields.is_numeric(field):
            expr = f"jena_try_numeric(d.doc ->> '{field}')"
        elif fields.is_date(field):
            expr = f"jena_try_timestamptz(d.doc ->> '{field}')"
        else:
            expr = f"(d.doc ->> '{field}') COLLATE \"C\""
        parts.append(f"{expr} {direction} NULLS LAST")
    parts.append("d.index_id ASC")
    return ", ".join(parts)
