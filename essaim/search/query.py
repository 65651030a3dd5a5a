"""The search query language.

    équipe marketing          words: every word is wanted; documents with all of them rank first,
                              then the best partial matches (never empty because one word is missing)
    "plan de charge"          an exact phrase (words in this order, each folded and stemmed)
    -brouillon  -"mot clé"    exclusion: no document containing it
    devis OR facture          either (OR binds the terms on each side of it)
    dévelop*                  prefix
    from:alice                by the person with that handle
    in:marketing              in the community with that slug
    topic:budget              posts (and their comments, answers) about #budget
    type:question             post, question, comment, answer, person, community or topic
    before:2025-01-31         created before that day (that day excluded)
    after:2025-01-01          created after that day (that day excluded)

Words are folded and stemmed (search/text.py). Common French and English words are ignored while
the query has other words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from essaim.core.errors import EssaimError

from .text import words

MAX_QUERY = 500
MAX_CLAUSES = 16
TYPES = ("post", "question", "comment", "answer", "person", "community", "topic")
FILTER_KEYS = ("from", "in", "topic", "type", "before", "after")

STOP_WORDS = frozenset("""
a an and are as at be by do does for from how i in is it of on or that the this to was what when where which who
why will with you your my can should
about after all also am any been before being but could did doing each few had has have having he her here
him his if into its itself just me more most no nor not now only other our out over own same she so some such
than their them then there these they those through too under until up very we were while would yours
get got use using used way want need one two new make like any anyone something
aussi avoir bien cela cet cette comme donc encore entre etre ici leurs memes meme moins non plus
peu peut quand quel quelle quels sans sont tous tout toute tres
au aux avec ce ces comment dans de des du elle en est et il je la le les leur lui ma mais me mes moi mon ne nos
notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous y d l j s
""".split())


class QueryError(EssaimError):
    status = 400
    code = "invalid_query"


@dataclass(frozen=True)
class Term:
    kind: str  # "word", "prefix" or "phrase"
    words: tuple[str, ...]


@dataclass
class Query:
    clauses: list[list[Term]] = field(default_factory=list)  # AND of ORs
    excluded: list[Term] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # handles
    communities: list[str] = field(default_factory=list)  # slugs
    topics: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    before: date | None = None
    after: date | None = None

    @property
    def has_text(self) -> bool:
        return bool(self.clauses)

    def highlight_terms(self) -> list[Term]:
        return [t for clause in self.clauses for t in clause]


_TOKEN_RE = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))', re.UNICODE)


def parse_date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise QueryError(_("%(name)s must be a date written YYYY-MM-DD.") % {"name": name},
                         code="invalid_date") from None


def check_type(value: str) -> str:
    value = (value or "").strip().lower()
    if value not in TYPES:
        raise QueryError(_("Unknown type %(type)s: use one of %(types)s.") % {"type": value[:30],
                                                                              "types": ", ".join(TYPES)},
                         code="invalid_type")
    return value


def _term(raw: str, *, quoted: bool) -> Term | None:
    folded = words(raw)
    if not folded:
        return None
    if quoted and len(folded) > 1:
        return Term("phrase", tuple(folded))
    if not quoted and raw.endswith("*") and len(folded) == 1:
        return Term("prefix", (folded[0],))
    if len(folded) > 1:  # "l'équipe", "e-mail": the words in this order
        return Term("phrase", tuple(folded))
    return Term("word", (folded[0],))


def parse(text: str) -> Query:
    if text is None:
        text = ""
    if len(text) > MAX_QUERY:
        raise QueryError(_("The query is too long (at most %(max)d characters).") % {"max": MAX_QUERY},
                         code="query_too_long")
    query = Query()
    pending_or = False
    for m in _TOKEN_RE.finditer(text):
        negative, key, quoted, bare = m.group(1), m.group(2), m.group(3), m.group(4)
        if key is not None and key.lower() in FILTER_KEYS and not negative:
            value = quoted if quoted is not None else (bare or "")
            _apply_filter(query, key.lower(), value.strip())
            continue
        if key is not None:  # not a filter: the colon is part of the words
            raw = f"{key}:{quoted if quoted is not None else bare}"
            is_quoted = quoted is not None
        else:
            raw = quoted if quoted is not None else bare
            is_quoted = quoted is not None
        if not negative and not is_quoted and raw == "OR":
            pending_or = bool(query.clauses)
            continue
        term = _term(raw, quoted=is_quoted)
        if term is None:
            continue
        if negative:
            query.excluded.append(term)
            continue
        if pending_or:
            query.clauses[-1].append(term)
        else:
            query.clauses.append([term])
        pending_or = False
    query.clauses = _without_stop_words(query.clauses)[:MAX_CLAUSES]
    query.excluded = query.excluded[:MAX_CLAUSES]
    return query


def _is_stop(clause: list[Term]) -> bool:
    return len(clause) == 1 and clause[0].kind == "word" and clause[0].words[0] in STOP_WORDS


def _without_stop_words(clauses: list[list[Term]]) -> list[list[Term]]:
    kept = [c for c in clauses if not _is_stop(c)]
    return kept or clauses


def _apply_filter(query: Query, key: str, value: str) -> None:
    if not value:
        return
    if key == "from":
        query.authors.append(value.lstrip("@").lower()[:40])
    elif key == "in":
        query.communities.append(value.lower()[:40])
    elif key == "topic":
        query.topics.append(value.lstrip("#").lower()[:50])
    elif key == "type":
        query.types.append(check_type(value))
    elif key == "before":
        query.before = parse_date(value, "before")
    elif key == "after":
        query.after = parse_date(value, "after")


def plain_words(text: str) -> Query:
    """A query of the words of any text (no operators): for "similar questions"."""
    seen: dict[str, None] = {}
    for w in words(text[:MAX_QUERY * 4]):
        seen.setdefault(w, None)
    clauses = [[Term("word", (w,))] for w in seen]
    return Query(clauses=_without_stop_words(clauses)[:MAX_CLAUSES])
