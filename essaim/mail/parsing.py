"""The new text of an e-mail reply: its body decoded, without the quoted message and the signature.

Mail clients quote in their own ways; this knows Gmail, Outlook (desktop, web and mobile), Apple
Mail and Thunderbird, in English and French. What the person wrote (Markdown, accents, emoji,
line breaks) is kept as it is.
"""

from __future__ import annotations

import re
from email.message import Message
from html.parser import HTMLParser

# --- which part, decoded -------------------------------------------------------------------------

# What is read of a body: a reply is short (a comment holds 20,000 characters); a long quoted
# thread below it is cut, its head (the reply and the attribution line) kept.
MAX_TEXT = 1_000_000

_CHARSET_ALIASES = {
    # Mail labelled Latin-1 is nearly always Windows-1252 (curly quotes, the euro sign), as browsers assume.
    "iso-8859-1": "windows-1252", "iso8859-1": "windows-1252", "latin-1": "windows-1252", "latin1": "windows-1252",
    "us-ascii": "utf-8", "ascii": "utf-8",  # mislabelled 8-bit text is usually UTF-8; plain ASCII decodes the same
}


def extract_reply(message: Message) -> str:
    """The text the person wrote: text/plain preferred, else text/html turned into text; the quoted
    message, the attribution line ("On … wrote:") and the signature removed."""
    plain, html = _body_parts(message)
    if plain is not None:
        text = strip_reply(_plain_text(plain))
        if text or html is None:
            return text
    if html is not None:
        return strip_reply(html_to_text(decode_part(html)))
    return ""


def _is_attachment(part: Message) -> bool:
    return (part.get_content_disposition() or "") == "attachment" or bool(
        part.get_filename() and part.get_content_disposition() != "inline")


def _body_parts(message: Message) -> tuple[Message | None, Message | None]:
    """The first text/plain and the first text/html part that are not attachments, outside of
    attached messages."""
    plain = html = None
    stack = [message]
    while stack:
        part = stack.pop(0)
        ctype = part.get_content_type()
        if part.is_multipart():
            if ctype == "message/rfc822":
                continue  # a forwarded message is not the reply
            stack = list(part.iter_parts() if hasattr(part, "iter_parts") else part.get_payload()) + stack
            continue
        if _is_attachment(part):
            continue
        if ctype == "text/plain" and plain is None:
            plain = part
        elif ctype == "text/html" and html is None:
            html = part
    return plain, html


def decode_part(part: Message) -> str:
    """The part's text: transfer encoding (quoted-printable, base64) and charset undone, line
    endings made "\\n". Unknown or wrong charsets fall back to UTF-8, then Windows-1252."""
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = b""
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogateescape")
    try:
        declared = (part.get_content_charset() or "us-ascii").strip().lower()
    except Exception:  # a charset parameter no decoder knows how to read
        declared = "us-ascii"
    declared = _CHARSET_ALIASES.get(declared, declared)
    text = None
    for charset in (declared, "utf-8"):
        try:
            text = payload.decode(charset)
            break
        except (LookupError, UnicodeDecodeError):
            continue
    if text is None:
        text = payload.decode("windows-1252", errors="replace")
    return text[:MAX_TEXT].replace("\r\n", "\n").replace("\r", "\n")


def _plain_text(part: Message) -> str:
    text = decode_part(part)
    if (part.get_param("format") or "").lower() == "flowed":
        text = unflow(text, delsp=(part.get_param("delsp") or "").lower() == "yes")
    return text


def unflow(text: str, *, delsp: bool = False) -> str:
    """RFC 3676 format=flowed: soft line breaks (a line ending in a space) joined again."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):  # space-stuffing
            content = content[1:]
        if pending is not None and depth == pending_depth:
            content = pending + content
        elif pending is not None:
            out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
        pending = None
        if content.endswith(" ") and content != "-- ":
            pending, pending_depth = (content[:-1] if delsp else content), depth
            continue
        out.append(">" * depth + (" " if depth and content else "") + content)
    if pending is not None:
        out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
    return "\n".join(out)


# --- HTML to text --------------------------------------------------------------------------------

_BLOCK = {"address", "article", "aside", "center", "dd", "div", "dl", "dt", "figure", "footer", "form", "h1", "h2",
          "h3", "h4", "h5", "h6", "header", "main", "nav", "ol", "p", "section", "table", "tbody", "thead", "tr", "ul"}
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}
_SKIP = {"head", "script", "style", "title", "template", "noscript"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
# Quoted messages and signatures the clients mark up: dropped with everything inside.
_DROP_CLASSES = {"gmail_quote", "gmail_signature", "gmail_extra", "moz-cite-prefix", "moz-signature",
                 "yahoo_quoted", "protonmail_quote", "ms-outlook-mobile-reference-message"}
_DROP_IDS = {"ms-outlook-mobile-signature", "applemailsignature", "signature"}


class _HtmlText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []  # finished lines
        self.cur: list[str] = []  # pieces of the current line (joined once: no quadratic concatenation)
        self.cur_text = False  # the current line has more than quote marks and spaces
        self.quote_depth = 0
        self.pre = 0
        self.skip: list[list] = []  # [tag, nesting] of a dropped element being skipped
        self.lists: list[list] = []  # ["ul"|"ol", counter]
        self.links: list[tuple[str, int, int]] = []  # (href, line number, piece index) where the link text starts

    # output helpers
    def _end_line(self) -> None:
        self.lines.append("".join(self.cur))
        self.cur, self.cur_text = [], False

    def _newline(self, blank: bool = False) -> None:
        if self.cur_text:
            self._end_line()
        if blank and self.lines and self.lines[-1].strip(" >"):
            self._end_line()

    def _write(self, text: str) -> None:
        for i, piece in enumerate(text.split("\n")):
            if i:
                self._end_line()
            if piece:
                if not self.cur and self.quote_depth:
                    self.cur.append("> " * self.quote_depth)
                self.cur.append(piece)
                self.cur_text = self.cur_text or bool(piece.strip(" >"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.skip:
            if tag == self.skip[-1][0] and tag not in _VOID:
                self.skip[-1][1] += 1
            return
        classes = set((attrs.get("class") or "").lower().split())
        if (tag in _SKIP or classes & _DROP_CLASSES or (attrs.get("id") or "").lower() in _DROP_IDS
                or (tag == "blockquote" and (attrs.get("type") or "").lower() == "cite")):
            if tag not in _VOID:
                self.skip.append([tag, 1])
            return
        if tag == "br":
            self._write("\n")
        elif tag == "hr":
            self._newline(blank=True)
            self._write("---")
            self._newline(blank=True)
        elif tag == "blockquote":
            self._newline(blank=True)
            self.quote_depth += 1
        elif tag == "pre":
            self._newline(blank=True)
            self.pre += 1
        elif tag == "li":
            self._newline()
            kind = self.lists[-1] if self.lists else ["ul", 0]
            kind[1] += 1
            self._write("  " * max(len(self.lists) - 1, 0) + ("%d. " % kind[1] if kind[0] == "ol" else "- "))
        elif tag in ("ul", "ol"):
            self._newline(blank=not self.lists)
            self.lists.append([tag, 0])
        elif tag in ("td", "th"):
            if self.cur_text:
                self._write(" ")
        elif tag == "a":
            self.links.append((attrs.get("href") or "", len(self.lines), len(self.cur)))
        elif tag in _BLOCK:
            self._newline(blank=tag in _PARAGRAPH)

    def handle_endtag(self, tag):
        if self.skip:
            if tag == self.skip[-1][0]:
                self.skip[-1][1] -= 1
                if not self.skip[-1][1]:
                    self.skip.pop()
            return
        if tag == "blockquote" and self.quote_depth:
            self._newline()
            self.quote_depth -= 1
            self._newline(blank=True)
        elif tag == "pre" and self.pre:
            self.pre -= 1
            self._newline(blank=True)
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._newline(blank=not self.lists)
        elif tag == "a" and self.links:
            href, line, index = self.links.pop()
            if line == len(self.lines) and href.lower().startswith(("http://", "https://", "mailto:")):
                label = "".join(self.cur[index:])
                plain_href = href[7:] if href.lower().startswith("mailto:") else href
                if label.strip() and label.strip() not in (href, plain_href):
                    self.cur[index:] = [f"[{label}]({href})"]
        elif tag in _BLOCK:
            self._newline(blank=tag in _PARAGRAPH)

    def handle_data(self, data):
        if self.skip:
            return
        if self.pre:
            self._write(data.replace("\xa0", " "))
            return
        text = re.sub(r"[ \t\r\n\f\xa0]+", " ", data)
        if not self.cur_text or (self.cur and self.cur[-1].endswith(" ")):
            text = text.lstrip(" ")
        self._write(text)

    def text(self) -> str:
        self._end_line()
        out: list[str] = []
        for line in (line.rstrip() for line in self.lines):  # at most one blank line in a row
            if not line.strip(" >") and out and not out[-1].strip(" >"):
                continue
            out.append(line)
        return "\n".join(out).strip("\n")


def html_to_text(html: str) -> str:
    """Readable text from an HTML e-mail body: paragraphs and line breaks kept, lists as Markdown
    lists, links as Markdown links, quoted blocks as "> " lines; client-marked quotes and
    signatures left out."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return parser.text()


# --- quoted text and signatures ------------------------------------------------------------------

_SPACES = re.compile(r"[\u00a0\u202f\u2007\t ]+")
# "On Thu, Nov 26, 2026 at 10:02 AM Alice <alice@x> wrote:" (Gmail, Apple Mail, Thunderbird)
_ATTRIBUTION = [
    re.compile(r"^On\b.{3,400}\bwrote\s?:$", re.IGNORECASE),
    # "Le jeu. 26 nov. 2026 à 10:02, Alice <alice@x> a écrit :" (Gmail, Apple Mail, Thunderbird)
    re.compile(r"^Le\b.{3,400}\ba\s+[ée]crit\s?:$", re.IGNORECASE),
    re.compile(r"^Am\b.{3,400}\bschrieb\b.{0,200}:$", re.IGNORECASE),
    re.compile(r"^El\b.{3,400}\bescribi[óo]\s?:$", re.IGNORECASE),
]
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(Original Message|Message d['’]origine|Forwarded message|Message transf[ée]r[ée]|"
    r"Mensaje original|Urspr[üu]ngliche Nachricht)\s*-{2,}\s*$", re.IGNORECASE)
_RULE = re.compile(r"^\s*(_{10,}|-{3,}|={10,})\s*$")
_HEADER_FROM = re.compile(r"^\s*\**(From|De|Von|Van)\s?:\**\s?\S", re.IGNORECASE)
_HEADER_SUBJECT = re.compile(r"^\s*\**(Subject|Objet|Betreff|Onderwerp)\s?:", re.IGNORECASE)
_HEADER_OTHER = re.compile(r"^\s*\**(Sent|Date|Envoy[ée]|To|[ÀA]|Cc|Gesendet|An|Verzonden|Aan)\s?:", re.IGNORECASE)
_MOBILE = re.compile(
    r"^(Sent from my \w[\w \-]{0,40}|Sent from (Mail|Outlook|Yahoo Mail|Gmail)\b.{0,60}|"
    r"Envoy[ée] (de|depuis) (mon|ma|l['’]app(lication)?|Outlook|Mail|Yahoo)\b.{0,60}|"
    r"Get Outlook for (Android|iOS|Mac)|Obtenir Outlook pour (Android|iOS|Mac)|"
    r"T[ée]l[ée]charger Outlook pour (Android|iOS))\s*(<[^>]*>)?\s*\.?$", re.IGNORECASE)
_MARKDOWN_LINK = re.compile(r"^\[(.+)\]\([^)]*\)$")


def _norm(line: str) -> str:
    return _SPACES.sub(" ", line).strip()


def _attribution_at(lines: list[str], i: int) -> int:
    """How many lines (1 to 3) the attribution starting at line i takes, or 0."""
    first = _norm(lines[i])
    if not first or not re.match(r"(On|Le|Am|El)\b", first, re.IGNORECASE):
        return 0
    joined = first
    for count in range(1, 4):
        if count > 1:
            if i + count - 1 >= len(lines) or not lines[i + count - 1].strip():
                return 0
            joined += " " + _norm(lines[i + count - 1])
        if len(joined) > 500:
            return 0
        if re.search(r"\d", joined) and any(p.match(joined) for p in _ATTRIBUTION):
            return count
    return 0


def _header_block_at(lines: list[str], i: int) -> int:
    """The number of lines of an Outlook header block ("From: … Sent: … To: … Subject: …") starting
    at line i, or 0."""
    if not _HEADER_FROM.match(lines[i]):
        return 0
    others = 0
    for j in range(i + 1, min(i + 10, len(lines))):
        if _HEADER_SUBJECT.match(lines[j]):
            return j - i + 1 if others else 0
        if _HEADER_OTHER.match(lines[j]):
            others += 1
        elif not lines[j].strip():
            if others:  # Outlook sometimes leaves a blank line inside the block
                continue
            return 0
    return 0


def _quote_start(lines: list[str]) -> tuple[int, int] | None:
    """(index, length) of the first line introducing the quoted message: an attribution line
    (length: its lines; "> " lines follow), or an "Original Message" separator or an Outlook
    header block (length 0: the rest of the text is the quoted message, unmarked)."""
    for i, line in enumerate(lines):
        if line.startswith(">"):
            continue
        length = _attribution_at(lines, i)
        if length:
            return i, length
        if _SEPARATOR.match(line):
            return i, 0
        if _header_block_at(lines, i):
            if i > 0 and _RULE.match(lines[i - 1]):
                return i - 1, 0
            if i > 1 and not lines[i - 1].strip() and _RULE.match(lines[i - 2]):
                return i - 2, 0
            return i, 0
    return None


def _is_signature_mark(lines: list[str], i: int) -> bool:
    line = lines[i]
    if line == "-- ":
        return True
    if line.rstrip() in ("--", "—", "-- —") and (i == 0 or not lines[i - 1].strip()):
        rest = [x for x in lines[i + 1:] if x.strip()]
        return 0 < len(rest) <= 8
    return False


def _is_mobile_signature(line: str) -> bool:
    line = _norm(line)
    link = _MARKDOWN_LINK.match(line)
    if link:
        line = link.group(1)
    return bool(line) and len(line) <= 120 and bool(_MOBILE.match(line))


def _blank(line: str) -> bool:
    return not line.strip()


def strip_reply(text: str) -> str:
    """The new text of a reply given as text: the quoted message and the signature removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for _round in range(3):  # a reply written below the quote: the quote goes, what follows stays
        found = _quote_start(lines)
        if found is None:
            break
        start, length = found
        if length == 0 or any(not _blank(x) for x in lines[:start]):
            lines = lines[:start]
            break
        end = start + length
        while end < len(lines) and (lines[end].startswith(">") or _blank(lines[end])):
            end += 1
        lines = lines[end:]
    for i in range(len(lines)):
        if _is_signature_mark(lines, i) or _is_mobile_signature(lines[i]):
            lines = lines[:i]
            break
    # A quoted block left at the end (a client quoting without an attribution line).
    end = len(lines)
    while end and (_blank(lines[end - 1]) or lines[end - 1].startswith(">")):
        end -= 1
    if any(not _blank(x) for x in lines[:end]) and any(x.startswith(">") for x in lines[end:]):
        lines = lines[:end]
    # Separator lines left in front of a removed quote.
    while lines and (_blank(lines[-1]) or _RULE.match(lines[-1])):
        lines.pop()
    while lines and _blank(lines[0]):
        lines.pop(0)
    return "\n".join(lines).rstrip()
