"""The text of a reply: each client's quoting and signatures removed, the person's own text kept."""

from __future__ import annotations

from email import message_from_string, policy
from email.parser import BytesParser

import pytest
from mail_corpus import CORPUS

from essaim.mail.parsing import extract_reply, html_to_text, strip_reply

ENCODINGS = {"windows_1252_text": "latin-1"}


def _parse(name: str, raw: str):
    raw = raw.replace("{to}", "reply+abcdefgh@acme.example.com").replace("{sender}", "chloe@acme.example.com")
    return BytesParser(policy=policy.default).parsebytes(raw.encode(ENCODINGS.get(name, "utf-8")))


def test_the_corpus_covers_every_client_style():
    names = {name for name, _raw, _expected in CORPUS}
    assert len(CORPUS) >= 12
    assert {"gmail_en", "gmail_fr", "outlook_desktop_en", "outlook_desktop_fr", "outlook_mobile_en",
            "apple_iphone_en", "apple_iphone_fr", "thunderbird_en", "thunderbird_fr", "html_only",
            "windows_1252_text", "base64_body", "alternative_with_attachment"} <= names


@pytest.mark.parametrize("name,raw,expected", CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus(name, raw, expected):
    message = _parse(name, raw)
    assert not [d for part in message.walk() for d in part.defects], "the corpus itself is well-formed"
    assert extract_reply(message) == expected


def test_crlf_line_endings_give_the_same_text():
    for name, raw, expected in CORPUS:
        message = _parse(name, raw.replace("\n", "\r\n"))
        assert extract_reply(message) == expected, name


@pytest.mark.parametrize("text", [
    "On Monday I wrote: the plan is ready.",  # not an attribution: the line goes on
    "On second thought, here is what I wrote:\n\nsomething",  # no date, no address: the person's own words
    "Le planning a écrit : rien",
    "# Title\n\n**bold**, _italic_, `code`\n\n```\n  indented\n```",
    "Line one\nLine two\n\n\nAfter blank lines",
    "Émoji 🎉 et accents àéèçù œ",
    "> a quote of my own\n\nand my answer",
    "A setext title\n--\ncontinues here with more lines\nand more\nand more\nand more\nand more\nand more\n"
    "and more\nand more\nand more",
    "From: the start of a sentence about senders",
])
def test_the_persons_own_text_is_kept(text):
    assert strip_reply(text) == text


@pytest.mark.parametrize("text,expected", [
    ("Yes\n\nOn Thu, 26 Nov 2026 at 10:02, Alice <alice@acme.test> wrote:\n> q", "Yes"),
    ("Yes\n\nOn Thu, 26 Nov 2026 at 10:02, Alice Martin via Essaim\n<alice@acme.test> wrote:\n\n> q", "Yes"),
    ("Oui\n\nLe jeu. 26 nov. 2026 à 10:02, Alice Martin <alice@acme.test> a écrit :\n> q", "Oui"),
    ("Oui\n\nLe jeu. 26 nov. 2026 à 10:02, Alice Martin <alice@acme.test> a\nécrit\u00a0:\n> q", "Oui"),
    ("Oui\n\nLe 26/11/2026 à 10:02, Alice a écrit :\n> q", "Oui"),
    ("Ok\n\n-----Original Message-----\nFrom: x\n\nold", "Ok"),
    ("Ok\n\n-----Message d'origine-----\nDe : x\n\nancien", "Ok"),
    ("Ok\n\nDe : Alice\nEnvoyé : jeudi\nÀ : Bob\nObjet : Re: x\n\nancien", "Ok"),
    ("Ok\n\n________________________________\nFrom: Alice\nSent: Thursday\nTo: Bob\nSubject: x\n\nold", "Ok"),
    ("Ok\n-- \nChloé\nAcme", "Ok"),
    ("Ok\n\nSent from my iPhone", "Ok"),
    ("Ok\n\nEnvoyé de mon iPhone", "Ok"),
    ("Ok\n\nGet Outlook for Android", "Ok"),
    ("Ok\n\nObtenir Outlook pour Android", "Ok"),
    ("Ok\n\n> quoted\n> without attribution\n", "Ok"),
    ("On Thu, Nov 26, 2026 at 10:02 AM Alice <a@b.c> wrote:\n> q\n\nMy answer below.\n\n-- \nsig",
     "My answer below."),
    ("\n\nOk\n\n\n", "Ok"),
])
def test_quotes_and_signatures_are_removed(text, expected):
    assert strip_reply(text) == expected


def test_html_to_text():
    html = ("<p>Hello&nbsp;<b>team</b>,</p><p>Line 1<br>Line 2</p><ol><li>one</li><li>two</li></ol>"
            "<blockquote>a quote</blockquote><pre>  code\n    kept</pre><script>alert(1)</script>"
            '<p><a href="https://example.com/x">a link</a> and <a href="https://example.com">https://example.com</a>'
            "</p><div class=\"gmail_signature\">Chloé</div>")
    assert html_to_text(html) == ("Hello team,\n\nLine 1\nLine 2\n\n1. one\n2. two\n\n> a quote\n\n  code\n    kept"
                                  "\n\n[a link](https://example.com/x) and https://example.com")


def test_plain_text_is_preferred_and_html_used_when_plain_is_empty():
    raw = ("From: a@b.c\nTo: r@x\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n"
           "--b\nContent-Type: text/plain; charset=utf-8\n\n\n--b\nContent-Type: text/html; charset=utf-8\n\n"
           "<p>From HTML</p>\n--b--\n")
    assert extract_reply(message_from_string(raw, policy=policy.default)) == "From HTML"


def test_unknown_charset_falls_back():
    raw = ("From: a@b.c\nTo: r@x\nMIME-Version: 1.0\nContent-Type: text/plain; charset=x-unknown\n"
           "Content-Transfer-Encoding: 8bit\n\n").encode() + "Déjà vu".encode("utf-8")
    assert extract_reply(BytesParser(policy=policy.default).parsebytes(raw)) == "Déjà vu"
    raw = raw.replace("Déjà vu".encode("utf-8"), "Déjà vu".encode("cp1252"))
    assert extract_reply(BytesParser(policy=policy.default).parsebytes(raw)) == "Déjà vu"


def test_a_message_with_only_an_attachment_has_no_text():
    raw = ("From: a@b.c\nTo: r@x\nMIME-Version: 1.0\nContent-Type: application/pdf\n"
           "Content-Transfer-Encoding: base64\n\nJVBERi0=\n")
    assert extract_reply(message_from_string(raw, policy=policy.default)) == ""
