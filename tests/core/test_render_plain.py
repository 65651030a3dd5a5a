"""A one-line prose body skips the Markdown pass: its HTML must be exactly what the pass gives, and
anything Markdown or HTML would change must take the pass."""

from __future__ import annotations

import random

import pytest

from essaim.core import text
from essaim.search.bench import VOCABULARY, _cumulative, body, vocabulary


def both(value: str) -> tuple[str, str]:
    none = {"link_handle": lambda name: "/u/1", "link_topic": lambda name: "/t/x"}
    return text.render(value, **none), text.render_markdown(value, **none)


def test_generated_prose_renders_as_markdown_would():
    words, cum, rng = vocabulary(), _cumulative(VOCABULARY), random.Random(7)
    samples = [body(rng, words, cum) for _ in range(2000)]
    plain = [s for s in samples if text._PLAIN.fullmatch(s)]
    assert len(plain) > 1500  # the fast path is the common case
    for s in plain:
        fast, slow = both(s)
        assert fast == slow, s


@pytest.mark.parametrize("value", [
    "Réunion à 14h: l'équipe (finance) valide le budget 2027 !", "Ça marche’ oui?", "Déjà vu; well-known, ok.",
    "Naïve café über straße", "Un deux", "Prix: 3,50 ou 4.2 (environ)", "Ok!", "x",
])
def test_plain_lines_take_the_fast_path_and_equal_the_markdown_output(value):
    assert text._PLAIN.fullmatch(value)
    fast, slow = both(value)
    assert fast == slow


@pytest.mark.parametrize("value", [
    "", " leading space", "trailing space ", "two  spaces", "1. a list", "- a list", "+ a list", "> a quote",
    "# a heading", "*emphasis*", "_emphasis_", "under_score", "`code`", "a [link](http://x)", "a <b>tag</b>",
    "Tom & Jerry", "a \"quote\"", "hello @alice", "about #budget", "line\nbreak", "tab\there", "back\\slash",
    "~~struck~~", "a | table", "![image](x.png)", "5 apples", "=== heading", "a\u200bzero-width",
])
def test_anything_markdown_or_html_may_change_takes_the_markdown_pass(value):
    assert not text._PLAIN.fullmatch(value)
    fast, slow = both(value)
    assert fast == slow  # render() is the Markdown pass for them
