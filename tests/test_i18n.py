"""French ships complete: the catalogue, its compiled form, the pages, the templates and notifications.

The catalogue is essaim/locale/fr/LC_MESSAGES/django.po, refreshed with
`cd essaim && django-admin makemessages -l fr --no-obsolete --ignore=migrations` and compiled with
`django-admin compilemessages`.
"""

from __future__ import annotations

import gettext
import html
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import templatize

from essaim.accounts import actions as accounts
from essaim.stream import actions as stream


PACKAGE = Path(settings.BASE_DIR)
TEMPLATES = PACKAGE / "templates"
PO = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@pytest.fixture(autouse=True)
def _back_to_default_language():
    """Requests activate a language for the thread; later tests must not inherit it."""
    yield
    translation.deactivate()


# --- a small .po reader ---------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(literal: str) -> str:
    assert literal.startswith('"') and literal.endswith('"'), literal
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), literal[1:-1])


def read_po(path: Path) -> list[dict]:
    """Entries as dicts: msgctxt?, msgid, msgid_plural?, msgstr or msgstr[n], flags, line."""
    entries: list[dict] = []
    entry: dict | None = None
    key = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#~"):  # blank line ends an entry; obsolete entries are not used
            if entry and "msgid" in entry:
                entries.append(entry)
            entry = None if not line else entry
            continue
        if entry is None:
            entry = {"flags": set(), "line": number}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += _unquote(line)
        else:
            match = re.fullmatch(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")', line)
            assert match, f"{path.name}:{number}: cannot read {line!r}"
            key = match.group(1)
            entry[key] = _unquote(match.group(2))
    if entry and "msgid" in entry:
        entries.append(entry)
    return entries


def translations(entry: dict) -> list[str]:
    return [value for name, value in sorted(entry.items()) if name.startswith("msgstr")]


def label(entry: dict) -> str:
    context = f"[{entry['msgctxt']}] " if "msgctxt" in entry else ""
    return f"line {entry['line']}: {context}{entry['msgid']!r}"


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    assert PO.exists(), f"{PO} is missing: run makemessages -l fr"
    return read_po(PO)


@pytest.fixture(scope="module")
def messages(catalogue) -> list[dict]:
    return [entry for entry in catalogue if entry["msgid"]]


# --- (1) the catalogue is complete and well formed -----------------------------------------------

def test_the_reader_understands_the_po_format(tmp_path):
    sample = tmp_path / "sample.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgid "Hello %(name)s"\nmsgstr "Bonjour "\n"%(name)s"\n\n'
        'msgctxt "place"\nmsgid "in"\nmsgstr ""\n\n'
        'msgid "%(n)s post"\nmsgid_plural "%(n)s posts"\nmsgstr[0] "%(n)s publication"\nmsgstr[1] ""\n\n'
        '#~ msgid "Old"\n#~ msgstr "Vieux"\n', encoding="utf-8")
    header, hello, where, posts = read_po(sample)
    assert header["msgstr"] == "Language: fr\n"
    assert hello["msgstr"] == "Bonjour %(name)s" and "fuzzy" in hello["flags"]
    assert where["msgctxt"] == "place" and where["msgstr"] == ""
    assert translations(posts) == ["%(n)s publication", ""]


def test_the_catalogue_says_it_is_french_with_french_plurals(catalogue):
    header = catalogue[0]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    assert "Language: fr\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in header["msgstr"]


def test_every_string_is_translated_and_none_is_fuzzy(messages):
    assert len(messages) > 100
    untranslated = [label(e) for e in messages if not all(translations(e))]
    fuzzy = [label(e) for e in messages if "fuzzy" in e["flags"]]
    assert not untranslated, "untranslated:\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy (check them, then remove the flag):\n" + "\n".join(fuzzy)


def test_plural_entries_have_both_french_forms(messages):
    for entry in messages:
        if "msgid_plural" in entry:
            assert sorted(k for k in entry if k.startswith("msgstr")) == ["msgstr[0]", "msgstr[1]"], label(entry)


_PLACEHOLDER = re.compile(r"%\(\w+\)[sdfi]|%[sdfi]|\{\{.*?\}\}|\{%.*?%\}")
_TAG = re.compile(r"</?(a|abbr|b|br|code|em|i|kbd|li|ol|p|span|strong|ul)\b")


def test_translations_keep_every_placeholder_and_html_tag(messages):
    wrong = []
    for entry in messages:
        sources = [entry["msgid"]] if "msgid_plural" not in entry else [entry["msgid_plural"]]
        for translated in translations(entry):
            for source in sources:
                if Counter(_PLACEHOLDER.findall(translated)) != Counter(_PLACEHOLDER.findall(source)):
                    wrong.append(f"{label(entry)}: placeholders differ in {translated!r}")
                if Counter(_TAG.findall(translated)) != Counter(_TAG.findall(source)):
                    wrong.append(f"{label(entry)}: HTML tags differ in {translated!r}")
    assert not wrong, "\n".join(wrong)


# Words spelt the same in both languages; anything else left in English is an oversight.
SAME_IN_FRENCH = {"Actions", "Administration", "Description", "E-mail", "Notifications", "Pages", "Suggestions",
                  "Notification", "Date", "Version", "Messages", "Message", "Type", "Options", "Question",
                  "Questions", "Documents", "Document", "Code", "Contact", "Contacts", "Organisation", "Organisations",
                  "Note", "Notes", "Total", "Source", "Sources", "Minute", "Minutes", "Communication", "Information",
                  "Innovation", "Public", "Solution", "Solutions", "Statistiques", "Format", "Excellent", "Global",
                  "Mention", "Mentions", "Participants", "Visible", "Invisible", "Important", "Urgent", "Local",
                  "Extension", "Description (optional)"}


def test_no_string_is_left_in_english(messages):
    left = [label(e) for e in messages
            if any(t == e["msgid"] or t == e.get("msgid_plural") for t in translations(e))
            and e["msgid"] not in SAME_IN_FRENCH and re.search(r"[A-Za-z]{2,}", e["msgid"])]
    assert not left, "identical to the English:\n" + "\n".join(left)


def test_french_punctuation_is_consistent(messages):
    """A non-breaking space (U+00A0) before : ; ! ? and none of the ordinary kind."""
    wrong = []
    for entry in messages:
        for translated in translations(entry):
            prose = re.sub(r"\{.*?\}|https?://\S+", "", translated)
            if re.search(r" [:;!?]", prose) or re.search(r"\w[;!?](\s|$)", prose):
                wrong.append(f"{label(entry)}: {translated!r}")
    assert not wrong, "\n".join(wrong)


def test_translations_add_no_double_quote(messages):
    """{% translate %} output lands unescaped in double-quoted HTML attributes: French uses « » instead."""
    wrong = [label(e) for e in messages for t in translations(e) if t.count('"') != e["msgid"].count('"')]
    assert not wrong, "\n".join(wrong)


# --- (2) the compiled catalogue matches the .po ---------------------------------------------------

def test_the_compiled_catalogue_is_up_to_date(tmp_path):
    assert MO.exists(), f"{MO} is missing: run django-admin compilemessages in essaim/"
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed: cannot compile the .po to compare")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(PO)], check=True, capture_output=True)
    with MO.open("rb") as shipped, fresh.open("rb") as compiled:
        shipped_catalog = gettext.GNUTranslations(shipped)._catalog
        compiled_catalog = gettext.GNUTranslations(compiled)._catalog
    stale = sorted(str(k) for k in set(shipped_catalog) ^ set(compiled_catalog))
    changed = sorted(str(k) for k in set(shipped_catalog) & set(compiled_catalog)
                     if shipped_catalog[k] != compiled_catalog[k])
    assert not stale and not changed, ("django.mo is older than django.po; run compilemessages. "
                                       f"Differences: {(stale + changed)[:20]}")


# --- the catalogue covers every string in the code and the templates ------------------------------

XGETTEXT_KEYWORDS = ["--keyword=gettext_noop", "--keyword=gettext_lazy", "--keyword=ngettext_lazy:1,2",
                     "--keyword=pgettext:1c,2", "--keyword=npgettext:1c,2,3", "--keyword=pgettext_lazy:1c,2",
                     "--keyword=npgettext_lazy:1c,2,3"]


def _source_files():
    for path in sorted(PACKAGE.rglob("*")):
        parts = path.relative_to(PACKAGE).parts
        if any(p.startswith(".") or p in {"migrations", "locale", "__pycache__", "static"} for p in parts):
            continue
        if path.is_file() and path.suffix in {".py", ".html", ".txt"}:
            yield path


def test_the_catalogue_has_every_translatable_string_of_the_code(tmp_path, messages):
    """What makemessages would extract today is all in django.po (else: run makemessages, translate)."""
    xgettext = shutil.which("xgettext")
    if xgettext is None:
        pytest.skip("xgettext (GNU gettext) is not installed")
    inputs = []
    for number, path in enumerate(_source_files()):
        if path.suffix == ".py":
            inputs.append(str(path))
        else:
            work = tmp_path / f"{number}_{path.name}.py"
            work.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(path)), encoding="utf-8")
            inputs.append(str(work))
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(inputs), encoding="utf-8")
    pot = tmp_path / "django.pot"
    subprocess.run([xgettext, "-d", "django", "--language=Python", *XGETTEXT_KEYWORDS, "--from-code=UTF-8",
                    f"--files-from={listing}", f"--output={pot}"], check=True, capture_output=True)
    wanted = {(e.get("msgctxt"), e["msgid"]) for e in read_po(pot) if e["msgid"]}
    have = {(e.get("msgctxt"), e["msgid"]) for e in messages}
    missing = sorted(wanted - have, key=str)
    assert not missing, "not in django.po yet:\n" + "\n".join(repr(m) for m in missing)


# --- (3) pages speak the browser's language, or the one chosen in the profile ---------------------

def page(user=None, language: str | None = None) -> Client:
    """A browser, signed in as user, whose Accept-Language is language."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    if user is not None:
        client.force_login(user)
    return client


def test_sign_in_page_follows_the_browser_language(world):
    french = page(language="fr-FR,fr;q=0.9,en;q=0.5").get("/login/")
    assert french.status_code == 200
    body = french.content.decode()
    assert "Se connecter" in body and 'lang="fr"' in body
    assert "Sign in" not in body
    assert french["Content-Language"] == "fr"

    english = page(language="en-GB,en;q=0.8").get("/login/").content.decode()
    assert "Sign in" in english and 'lang="en"' in english and "Se connecter" not in english


def test_an_unsupported_browser_language_falls_back_to_english(world):
    body = page(language="de-DE,de;q=0.9").get("/login/").content.decode()
    assert "Sign in" in body and 'lang="en"' in body


def test_the_profile_language_wins_over_the_browser(world):
    accounts.do_update_profile(world.member, acting_user=world.member, language="fr")
    body = page(world.member, language="en-US,en;q=0.9").get("/").content.decode()
    assert 'lang="fr"' in body
    assert "Accueil" in body and "Toute l'entreprise" in body and "Se déconnecter" in body
    assert ">Home<" not in body and "Sign out" not in body

    accounts.do_update_profile(world.owner, acting_user=world.owner, language="en")
    body = page(world.owner, language="fr").get("/").content.decode()
    assert 'lang="en"' in body and "Sign out" in body and "Se déconnecter" not in body


def test_without_a_profile_language_the_browser_decides(world):
    assert world.moderator.language == ""
    body = page(world.moderator, language="fr").get("/communities/").content.decode()
    assert "Communautés" in body and 'lang="fr"' in body


def test_choosing_french_in_the_profile_takes_effect_and_a_bad_choice_changes_nothing(world, api_as):
    api = api_as(world.outsider)
    refused = api.patch("me", {"language": "de"})
    assert refused.status_code == 422
    assert refused.json_body["error"]["code"] == "invalid_language"
    world.outsider.refresh_from_db()
    assert world.outsider.language == ""

    assert api.patch("me", {"language": "fr"}).status_code == 200
    body = page(world.outsider, language="en").get("/").content.decode()
    assert "Accueil" in body and 'lang="fr"' in body

    assert api.patch("me", {"language": ""}).status_code == 200  # back to the browser's choice
    body = page(world.outsider, language="en").get("/").content.decode()
    assert ">Home<" in body and 'lang="en"' in body


def test_error_pages_and_api_errors_are_in_french(world, api_as):
    accounts.do_update_profile(world.outsider, acting_user=world.outsider, language="fr")
    hidden = page(world.outsider, language="en").get(reverse("communities:detail", args=[world.secret.id]))
    assert hidden.status_code == 404
    assert "Cette page n'existe pas, ou vous ne pouvez pas la voir." in hidden.content.decode()

    api = api_as(world.outsider)
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    refused = api.post("posts", {"body": "   "})
    assert refused.status_code == 422
    assert refused.json_body["error"]["message"] == "Écrivez d'abord quelque chose."


def test_password_reset_mail_is_in_the_account_language(world, django_capture_on_commit_callbacks):
    accounts.do_update_profile(world.member, acting_user=world.member, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        accounts.do_request_password_reset(world.network, world.member.email)
    (message,) = mail.outbox
    assert message.subject.startswith("Choisissez un nouveau mot de passe pour ")
    assert message.body.startswith("Bonjour Member,")
    assert "Le lien ne sert qu'une fois, pendant 24 heures." in message.body
    assert "Hello" not in message.body and "Hello" not in message.alternatives[0][0]
    assert "Bonjour Member," in message.alternatives[0][0]


# --- (4) templates hold no text outside translation tags -----------------------------------------

# Words that are the same in every language: the product's name and the language codes.
NOT_ENGLISH = {"essaim"} | {code for code, _name in settings.LANGUAGES}
VISIBLE_ATTRIBUTES = {"title", "alt", "aria-label", "aria-description", "aria-roledescription", "aria-valuetext",
                      "placeholder", "label", "data-confirm"}
TEXT_ARGUMENTS = r"label|title|text|heading|message|empty|placeholder|caption|help|hint|legend|alt|confirm"
WORD = re.compile(r"[^\W\d_]{2,}")  # two letters or more: numbers, symbols, emoji and punctuation are ignored


def untranslated_words(source: str) -> list[str]:
    """Words a reader would see that do not go through {% translate %} or {% blocktranslate %}."""
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", " ", source, flags=re.S)
    text = re.sub(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", " ", text, flags=re.S)
    found = []
    for tag in re.findall(r"{%.*?%}|{{.*?}}", text, flags=re.S):
        # literal text handed to a template or shown as a default: {% include ... with label="..." %}
        tag = re.sub(r"_\(\s*(\"[^\"]*\"|'[^']*')\s*\)", " ", tag)
        for match in re.finditer(rf"(?:default:|\b(?:{TEXT_ARGUMENTS})=)(\"[^\"]*\"|'[^']*')", tag):
            found += WORD.findall(match.group(1)[1:-1])
    text = re.sub(r"{%.*?%}|{{.*?}}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?-->|<!doctype[^>]*>", " ", text, flags=re.S | re.I)
    for tag in re.findall(r"<[A-Za-z][^>]*>", text):
        name = re.match(r"<([A-Za-z0-9-]+)", tag).group(1).lower()
        attributes = {m.group(1).lower(): m.group(2)[1:-1]
                      for m in re.finditer(r"([\w:-]+)\s*=\s*(\"[^\"]*\"|'[^']*')", tag)}
        for attribute, value in attributes.items():
            button_text = attribute == "value" and name == "input" and attributes.get("type", "").lower() in {
                "submit", "button", "reset"}
            if attribute in VISIBLE_ATTRIBUTES or attribute.startswith("data-text-") or button_text:
                found += WORD.findall(html.unescape(value))
    text = html.unescape(re.sub(r"</?[A-Za-z][^>]*>", " ", text))
    found += WORD.findall(text)
    return [word for word in found if word.lower() not in NOT_ENGLISH]


def test_the_template_scan_finds_english_and_ignores_what_is_not_text():
    assert untranslated_words('<p>Hello there</p>') == ["Hello", "there"]
    assert untranslated_words('<button title="Close">×</button>') == ["Close"]
    assert untranslated_words('<input type="submit" value="Send">') == ["Send"]
    assert untranslated_words('{% include "_x.html" with label="Older posts" %}') == ["Older", "posts"]
    assert untranslated_words('{{ name|default:"Nobody" }}') == ["Nobody"]
    assert untranslated_words(
        '{% load i18n %}<nav aria-label="{% translate \'Main\' %}"><a href="/x/?a=b" class="nav-link">'
        '{% translate "Home" %}</a> · {{ user.display_name }} 3 &middot; 👍 → @{{ handle }} #{{ topic }}'
        '{% blocktranslate count n=3 %}{{ n }} post{% plural %}{{ n }} posts{% endblocktranslate %}'
        '{% comment %}Not shown{% endcomment %}{# nor this #}<script>let x = "y";</script>'
        '{% include "_x.html" with label=_("Older") size="small" %}</nav>') == []


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*")
                                            if p.suffix in {".html", ".txt"}))
def test_template_text_is_all_translatable(template):
    words = untranslated_words((TEMPLATES / template).read_text(encoding="utf-8"))
    assert not words, f"{template} shows text outside {{% translate %}}: {words}"


# --- (5) notifications speak the recipient's language ---------------------------------------------

def test_a_notification_reads_in_french_for_a_french_speaking_recipient(world, api_as):
    accounts.do_update_profile(world.owner, acting_user=world.owner, language="fr")
    accounts.do_update_profile(world.member, acting_user=world.member, language="en")
    post = stream.do_create_post(world.owner, "Le point du lundi", community=world.open)
    stream.do_create_comment(post, world.member, "Merci !")

    listing = page(world.owner, language="en-US").get("/notifications/").content.decode()
    assert "Member a commenté votre publication" in listing
    assert "commented on your post" not in listing

    (item,) = [n for n in api_as(world.owner).get("notifications").json_body["items"] if n["kind"] == "comment"]
    assert item["text"] == "Member a commenté votre publication"

    _token, raw = accounts.do_create_token(world.owner, scopes=["read"], name="CRM", acting_user=world.owner)
    integration = api_as(token=raw)
    integration.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    (item,) = [n for n in integration.get("notifications").json_body["items"] if n["kind"] == "comment"]
    assert item["text"] == "Member a commenté votre publication"  # a token speaks its owner's language


def test_the_same_event_reads_in_english_for_an_english_speaking_recipient(world, api_as):
    accounts.do_update_profile(world.owner, acting_user=world.owner, language="fr")
    post = stream.do_create_post(world.member, "Monday update", community=world.open)
    stream.do_add_reaction(world.owner, "like", post=post)  # the actor speaks French, the recipient does not

    listing = page(world.member, language="en").get("/notifications/").content.decode()
    assert "Owner reacted to your post" in listing and "a réagi" not in listing
    (item,) = [n for n in api_as(world.member).get("notifications").json_body["items"] if n["kind"] == "reaction"]
    assert item["text"] == "Owner reacted to your post"


def test_a_join_request_notification_names_the_community_in_french(world):
    accounts.do_update_profile(world.owner, acting_user=world.owner, language="fr")
    listing = page(world.owner).get("/notifications/").content.decode()
    assert "Requester a demandé à rejoindre Private Club" in listing
