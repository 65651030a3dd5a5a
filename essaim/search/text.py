"""Text normalisation shared by indexing and querying, identical on every database backend.

A word is folded (casefold, accents stripped: core.text.fold) and stemmed with the Snowball
French and English stemmers. The indexed `terms` of a document are its French stems in text
order, followed (when it differs) by its English stems in text order: phrases keep their word
order in either language, and a query word matches when either of its stems is present.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from essaim.core.text import fold

# Letters and digits; "_" and punctuation separate words (as SQLite's unicode61 tokenizer does).
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
MAX_WORD = 60

_french = snowballstemmer.stemmer("french")
_english = snowballstemmer.stemmer("english")


def words(value: str) -> list[str]:
    """The folded words of `value`: "L'Équipe Dév." -> ["l", "equipe", "dev"]."""
    return [w[:MAX_WORD] for w in WORD_RE.findall(fold(value or ""))]


@lru_cache(maxsize=50_000)
def stems(word: str) -> tuple[str, str]:
    """(French stem, English stem) of one folded word."""
    return _french.stemWord(word), _english.stemWord(word)


def terms_of(*texts: str) -> str:
    """The indexed form of a document's texts."""
    folded = [w for t in texts for w in words(t)]
    french = [stems(w)[0] for w in folded]
    english = [stems(w)[1] for w in folded]
    return " ".join(french if french == english else french + english)


def word_stems(word: str) -> set[str]:
    """What a folded query word may match in `terms`."""
    return set(stems(word))
