"""fold(): case and accents away, other scripts kept; the one-pass removal of combining marks
drops exactly the characters unicodedata.combining() names, for every character there is."""

from __future__ import annotations

import sys
import unicodedata

from essaim.core.text import fold


def by_character(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def test_examples():
    assert fold("Aïcha  Ñúñez ") == "aicha nunez"
    assert fold("L'Équipe Dév.") == "l'equipe dev."
    assert fold("Straße ÆØÅ ﬁ") == "strasse æøa fi"
    assert fold("東京 Москва́") == "東京 москва"
    assert fold("") == fold(None) == ""


def test_every_character_folds_as_one_by_one_would():
    step = 4096
    for start in range(0, sys.maxunicode + 1, step):
        chunk = "".join(chr(cp) for cp in range(start, min(start + step, sys.maxunicode + 1))
                        if not 0xD800 <= cp <= 0xDFFF)
        text = "a" + chunk + "é"
        assert fold(text) == by_character(text), hex(start)
