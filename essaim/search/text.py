"""Text normalisation shared by indexing and querying, identical on every database backend.

A word is folded (casefold, accents stripped: core.text.fold) and stemmed with the Snowball
French or English stemmer. Which one depends on the document's language, guessed from its common
words (`language_of`): a French document is indexed with French stems, an English one with
English stems, so each word is counted once. A document whose language is unclear (a name, a
short title) is indexed under both: its French stems in text order, then its English stems in
text order, so phrases keep their word order in either language. A query word matches when
either of its two stems is present.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

from essaim.core.text import fold

# Letters and digits; "_" and punctuation separate words (as SQLite's unicode61 tokenizer does).
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
MAX_WORD = 60

# A Snowball stemmer keeps its working state on itself: one pair per thread (the web server
# answers on a pool of threads; a shared pair garbles words and raises under concurrency).
_local = threading.local()


def _stemmers():
    pair = getattr(_local, "pair", None)
    if pair is None:
        pair = _local.pair = (snowballstemmer.stemmer("french"), snowballstemmer.stemmer("english"))
    return pair

# Frequent words of one language that are rare in the other (folded); "a", "on", "en", "de" are not.
FRENCH_MARKERS = frozenset("""
le la les des du et est une pour dans que qui pas sur au aux avec ce cette ces je nous vous il ils elle elles
sont ne se sa son ses mais ou leur leurs plus tres etre avoir fait comme l d qu j n c tout tous aussi peut
""".split())
ENGLISH_MARKERS = frozenset("""
the and is are of to for that with this it be was were have has how what can an not you do does my if there
which would should in from by or will your they their we our but about been when why
""".split())
MIN_MARKERS = 2  # fewer marker words than this: the language is unclear


def words(value: str) -> list[str]:
    """The folded words of `value`: "L'Équipe Dév." -> ["l", "equipe", "dev"]."""
    return [w[:MAX_WORD] for w in WORD_RE.findall(fold(value or ""))]


@lru_cache(maxsize=50_000)
def stems(word: str) -> tuple[str, str]:
    """(French stem, English stem) of one folded word."""
    french, english = _stemmers()
    return french.stemWord(word), english.stemWord(word)


def language_of(folded: list[str]) -> str | None:
    """"fr", "en", or None when the words do not say clearly (twice as many markers of one)."""
    fr = sum(1 for w in folded if w in FRENCH_MARKERS)
    en = sum(1 for w in folded if w in ENGLISH_MARKERS)
    if fr >= MIN_MARKERS and fr >= 2 * en:
        return "fr"
    if en >= MIN_MARKERS and en >= 2 * fr:
        return "en"
    return None


def _stemmed(folded: list[str], language: str | None) -> str:
    if language == "fr":
        return " ".join(stems(w)[0] for w in folded)
    if language == "en":
        return " ".join(stems(w)[1] for w in folded)
    french = [stems(w)[0] for w in folded]
    english = [stems(w)[1] for w in folded]
    return " ".join(french if french == english else french + english)


def index_terms(title: str, *texts: str) -> tuple[str, str]:
    """(title terms, body terms) of a document: stemmed in the language of the whole document."""
    title_words = words(title)
    body_words = [w for t in texts for w in words(t)]
    language = language_of(title_words + body_words)
    return _stemmed(title_words, language), _stemmed(body_words, language)


def terms_of(*texts: str) -> str:
    """The indexed form of texts taken as one (title and body together)."""
    folded = [w for t in texts for w in words(t)]
    return _stemmed(folded, language_of(folded))


def word_stems(word: str) -> set[str]:
    """What a folded query word may match in the terms."""
    return set(stems(word))


def prefix_forms(word: str) -> set[str]:
    """What a folded query prefix ("dévelop*") may start: the word itself and its two stems."""
    return {word, *stems(word)}


@lru_cache(maxsize=4096)
def phrase_forms(words: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The stem sequences a folded phrase may match: in French and in English."""
    return tuple(sorted({tuple(stems(w)[0] for w in words), tuple(stems(w)[1] for w in words)}))
