"""Rich text: Markdown plus a small HTML subset, sanitised; @mentions and #topics."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from html import escape

import nh3
from markdown_it import MarkdownIt

MAX_BODY = 20_000

# The HTML that comment forms traditionally allow, plus what Markdown itself produces.
_COMMENT_TAGS = {"a", "abbr", "acronym", "b", "blockquote", "cite", "code", "del", "em", "i", "q", "s", "strike", "strong"}
_MARKDOWN_TAGS = {"p", "br", "ul", "ol", "li", "pre", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead",
                  "tbody", "tr", "th", "td"}
ALLOWED_TAGS = _COMMENT_TAGS | _MARKDOWN_TAGS
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "acronym": {"title"},
    "blockquote": {"cite"},
    "del": {"datetime"},
    "q": {"cite"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}

HANDLE_RE = re.compile(r"(?<![\w@/.])@([a-z0-9][a-z0-9_.-]{0,38}[a-z0-9_]|[a-z0-9])", re.IGNORECASE)
TOPIC_RE = re.compile(r"(?<![\w&#/])#(\w[\w-]{0,48}\w|\w)", re.UNICODE)

_md = MarkdownIt("commonmark", {"html": True, "linkify": False, "breaks": True}).enable("table").enable("strikethrough")


def fold(value: str) -> str:
    """Case- and accent-insensitive form for sorting and searching names: "Aïcha" -> "aicha".
    Letters of other scripts are kept (only combining marks are dropped)."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    if not decomposed.isascii():
        decomposed = _combining_marks().sub("", decomposed)
    return " ".join(decomposed.casefold().split())


_COMBINING: re.Pattern | None = None


def _combining_marks() -> re.Pattern:
    """Every character with a combining class (what unicodedata.combining() tells), as one class
    of ranges: dropped in one pass instead of character by character. Built on first use."""
    global _COMBINING
    if _COMBINING is None:
        ranges: list[list[int]] = []
        for cp in range(0x300, sys.maxunicode + 1):
            if unicodedata.combining(chr(cp)):
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1][1] = cp
                else:
                    ranges.append([cp, cp])
        _COMBINING = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]")
    return _COMBINING


def normalize_topic(name: str) -> str:
    return name.strip().lstrip("#").lower()


def find_handles(body: str) -> list[str]:
    return _unique(m.group(1).lower() for m in HANDLE_RE.finditer(_strip_code(body)))


def find_topics(body: str) -> list[str]:
    return _unique(normalize_topic(m.group(1)) for m in TOPIC_RE.finditer(_strip_code(body)))


def _unique(items) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)[:50]


def _strip_code(body: str) -> str:
    body = re.sub(r"```.*?(```|$)", " ", body, flags=re.S)
    return re.sub(r"`[^`\n]*`", " ", body)


# One line of prose that Markdown leaves as it is: it starts with a letter, ends with no space, and
# holds only letters, digits, single spaces and punctuation with no meaning in Markdown or HTML (no
# list, quote or heading marker, emphasis, code, link, entity, tag, mention or topic).
_PLAIN = re.compile(r"[^\W\d_](?:[^\W_]|[,.;:!?'’()-]| (?! ))*(?<! )")


def render(body: str, *, link_handle: Callable[[str], str | None], link_topic: Callable[[str], str | None]) -> str:
    """Markdown to safe HTML. Mentions and topics become links in text outside code and links."""
    if _PLAIN.fullmatch(body):  # most posts: their paragraph, without a Markdown pass (tested equal)
        return f"<p>{body}</p>\n"
    return render_markdown(body, link_handle=link_handle, link_topic=link_topic)


def render_markdown(body: str, *, link_handle: Callable[[str], str | None],
                    link_topic: Callable[[str], str | None]) -> str:
    html = nh3.clean(
        _md.render(body),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return _link_text(html, link_handle, link_topic)


_TAG_SPLIT = re.compile(r"(<[^>]*>)")


def _link_text(html: str, link_handle, link_topic) -> str:
    out = []
    skip_depth = 0  # inside <a>, <code> or <pre>
    for part in _TAG_SPLIT.split(html):
        if part.startswith("<"):
            tag = re.match(r"</?\s*([a-z0-9]+)", part)
            if tag and tag.group(1) in {"a", "code", "pre"}:
                skip_depth += -1 if part.startswith("</") else 1
            out.append(part)
            continue
        if skip_depth > 0 or not part:
            out.append(part)
            continue

        def mention(m: re.Match) -> str:
            url = link_handle(m.group(1).lower())
            return f'<a class="mention" href="{escape(url)}">@{m.group(1)}</a>' if url else m.group(0)

        def topic(m: re.Match) -> str:
            url = link_topic(normalize_topic(m.group(1)))
            return f'<a class="topic" href="{escape(url)}">#{m.group(1)}</a>' if url else m.group(0)

        out.append(TOPIC_RE.sub(topic, HANDLE_RE.sub(mention, part)))
    return "".join(out)


def first_line(body: str, length: int = 120) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"[#*_>`~\[\]()]", "", body)).strip()
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
