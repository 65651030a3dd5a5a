"""Import a StackExchange data dump (Posts.xml, Users.xml, Comments.xml, PostLinks.xml, ...) into a
community: questions, answers, accepted answers, duplicates, comments and their authors.

Every object is created through the actions (rule 1), quietly (no notifications for history).
Files are read as streams (iterparse, each row cleared once used), in batches of `batch_size`
rows, one transaction per batch. ImportRecord maps the dump's ids to ours: a second run imports
nothing twice, and a run stopped midway resumes after its last committed batch.
"""

from __future__ import annotations

import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from essaim.core import text
from essaim.core.errors import EssaimError

from .models import ImportRecord

Kind = ImportRecord.Kind
REQUIRED_FILES = ("Posts.xml", "Users.xml")
BATCH_SIZE = 500
MAX_EXAMPLES = 10  # dangling ids named per reason in the report
VISIBILITIES = ("open", "private", "secret")
_TAG_SPLIT = re.compile(r"(<[^>]*>)")
_CODE_SPAN = re.compile(r"(`[^`\n]*`)")
_TOPIC_SPECIAL = {"+": "plus", "#": "sharp"}


class ImportError_(Exception):
    """Bad input the operator can fix (missing file, malformed XML, no administrator): one clear line."""


@dataclass
class Report:
    site: str
    community: str = ""
    people: int = 0
    questions: int = 0
    answers: int = 0
    accepted: int = 0
    duplicates: int = 0
    comments: int = 0
    topics: int = 0
    truncated: int = 0
    votes_read: int = 0
    badges_read: int = 0
    already: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)
    indexed: int = 0  # search indexing jobs run after the import
    seconds: float = 0.0
    warnings: list = field(default_factory=list)

    def skip(self, reason: str, source_id: str = "") -> None:
        self.skipped[reason] += 1
        if source_id:
            shown = self.examples.setdefault(reason, [])
            if len(shown) < MAX_EXAMPLES:
                shown.append(source_id)

    def lines(self) -> list[str]:
        out = [f"Imported {self.site} into the community {self.community}:",
               f"  people:      {self.people}",
               f"  questions:   {self.questions}",
               f"  answers:     {self.answers}",
               f"  accepted:    {self.accepted}",
               f"  duplicates:  {self.duplicates}",
               f"  comments:    {self.comments}",
               f"  topics:      {self.topics}",
               f"  truncated:   {self.truncated} (bodies longer than {text.MAX_BODY} characters)",
               f"  votes read:  {self.votes_read} (scores come from the posts' Score)",
               f"  badges read: {self.badges_read}",
               f"  already imported: {sum(self.already.values())}"
               + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(self.already.items()) if v) + ")"
                  if sum(self.already.values()) else ""),
               f"  skipped:     {sum(self.skipped.values())}"]
        for reason, count in sorted(self.skipped.items()):
            ids = self.examples.get(reason)
            out.append(f"    {reason}: {count}" + (f" (ids {', '.join(ids)}{', ...' if count > len(ids) else ''})"
                                                   if ids else ""))
        out.append(f"  search jobs: {self.indexed}")
        out.append(f"  seconds:     {self.seconds:.1f}")
        return out


# ---------------------------------------------------------------- reading


class Progress:
    """One line per file on stderr: rewritten in place on a terminal, every 10% otherwise."""

    def __init__(self, stream, label: str, total: int):
        self.stream, self.label, self.total = stream, label, total
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.next_mark = 0
        self.shown = -1

    def update(self, done: int, final: bool = False) -> None:
        if self.stream is None or (final and not self.tty and done == self.shown):
            return
        self.shown = done
        if self.tty:
            self.stream.write(f"\r{self.label}: {done}/{self.total}" + ("\n" if final else ""))
            self.stream.flush()
        elif final or done >= self.next_mark:
            self.stream.write(f"{self.label}: {done}/{self.total}\n")
            self.stream.flush()
            self.next_mark = done + max(1, self.total // 10)


def iter_rows(path: Path) -> Iterator[dict]:
    """The attributes of each <row>, streamed: every element is dropped once read, so memory stays
    flat however big the file. A malformed file raises ImportError_ naming the file, line and column."""
    try:
        context = ET.iterparse(str(path), events=("start", "end"))
        root = None
        for event, elem in context:
            if root is None:
                root = elem
                continue
            if event == "end" and elem.tag == "row":
                yield dict(elem.attrib)
                root.clear()  # forget this row (and any before it)
    except ET.ParseError as exc:
        line, column = exc.position
        raise ImportError_(f"{path.name} is not well-formed XML at line {line}, column {column}: "
                           f"{str(exc).split(':')[0]}") from None
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror}") from None


def batches(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def parse_date(value: str | None):
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_tags(value: str | None) -> list[str]:
    """"<a><b>" or "|a|b|" -> ["a", "b"]."""
    value = (value or "").strip()
    if not value:
        return []
    if value.startswith("<"):
        return [t for t in re.findall(r"<([^<>]+)>", value)]
    return [t for t in value.split("|") if t]


def topic_name(tag: str) -> str | None:
    """A StackExchange tag as an Essaim topic name (lower case, letters, digits, dashes,
    underscores), or None when nothing valid remains."""
    name = "".join(_TOPIC_SPECIAL.get(c, c) for c in text.normalize_topic(tag))
    name = re.sub(r"[^\w-]+", "-", name, flags=re.UNICODE).strip("-")[:50].strip("-")
    return name if name and text.TOPIC_RE.fullmatch("#" + name) else None


def _escape_markers(part: str) -> str:
    # StackExchange text has no #topics or @mentions of ours: keep "#include" or "@Bob" as text.
    return part.replace("#", "&#35;").replace("@", "&#64;")


def html_body(html: str) -> str:
    """A post's HTML body as an Essaim body: the Markdown renderer keeps inline HTML and the
    sanitiser keeps the safe subset (p, pre, code, a, lists, ...)."""
    return "".join(p if p.startswith("<") else _escape_markers(p) for p in _TAG_SPLIT.split(html or "")).strip()


def markdown_body(markdown: str) -> str:
    """A comment's mini-Markdown as an Essaim body (code spans left as they are)."""
    return "".join(p if p.startswith("`") else _escape_markers(p)
                   for p in _CODE_SPAN.split(markdown or "")).strip()


def plain_text(html: str) -> str:
    from html import unescape

    import nh3

    return unescape(nh3.clean(html or "", tags=set())).strip()


def fit_body(body: str, report: Report, source_id: str) -> str:
    """At most text.MAX_BODY characters: a longer body is cut (never inside a tag) with a note."""
    if len(body) <= text.MAX_BODY:
        return body
    note = "\n\n" + _("*[…] This text was shortened on import; the original is longer.*")
    cut = body[: text.MAX_BODY - len(note)]
    cut = re.sub(r"<[^>]*$", "", cut)  # not inside a tag
    cut = re.sub(r"&#?\w*$", "", cut)  # nor inside an entity
    report.truncated += 1
    return cut.rstrip() + note


# ---------------------------------------------------------------- the import


class StackExchangeImporter:
    def __init__(self, directory, *, network, community_name: str, visibility: str | None = None,
                 batch_size: int = BATCH_SIZE, progress="stderr",
                 after_batch: Callable[[str, int], None] | None = None, until=None):
        self.dir = Path(directory)
        self.network = network
        self.community_name = (community_name or "").strip()
        self.visibility = visibility
        self.batch_size = batch_size
        self.progress = sys.stderr if progress == "stderr" else progress  # None: silent
        self.after_batch = after_batch  # called after each committed batch (tests simulate a crash)
        self.site = self.dir.resolve().name or "stackexchange"
        self.source = self.site[:100]
        self.report = Report(site=self.site)
        self.totals: dict[str, int] = {}
        self._anonymous = None
        # The site as it was at this moment (an aware datetime): nothing created from then on is
        # imported, scores count the votes cast before, answers are accepted only if accepted before.
        self.until = until
        self._scores: dict[str, int] | None = None
        self._accepted_before: set[str] | None = None

    # ------------------------------------------------------------ set-up

    def check_files(self) -> None:
        if not self.dir.is_dir():
            raise ImportError_(f"{self.dir} is not a folder")
        for name in REQUIRED_FILES:
            if not (self.dir / name).is_file():
                raise ImportError_(f"{name} is missing from {self.dir} (a StackExchange dump has "
                                   f"{', '.join(REQUIRED_FILES)})")
        if self.visibility is not None and self.visibility not in VISIBILITIES:
            raise ImportError_(f"unknown visibility {self.visibility!r}: use one of {', '.join(VISIBILITIES)}")
        if not self.community_name:
            raise ImportError_("a community name is required")

    def scan(self) -> set[str]:
        """Check every file parses, count its rows (for progress) and note who wrote something: only
        they become people (a dump lists many accounts that never posted)."""
        authors: set[str] = set()
        for name in ("Users.xml", "Posts.xml", "Comments.xml", "PostLinks.xml", "Votes.xml", "Badges.xml"):
            path = self.dir / name
            if not path.is_file():
                continue
            count = 0
            for row in self._as_of(name, iter_rows(path), count=True):
                count += 1
                if name == "Posts.xml" and row.get("PostTypeId") in ("1", "2") and row.get("OwnerUserId"):
                    authors.add(row["OwnerUserId"])
                elif name == "Comments.xml" and row.get("UserId"):
                    authors.add(row["UserId"])
            self.totals[name] = count
        self.report.votes_read = self.totals.get("Votes.xml", 0)
        self.report.badges_read = self.totals.get("Badges.xml", 0)
        return authors

    def community(self):
        from essaim.accounts.models import User
        from essaim.communities.actions import do_create_community
        from essaim.communities.models import Community, Membership, Role

        existing = (Community.objects.filter(network=self.network, name__iexact=self.community_name)
                    .order_by("id").first())
        if existing is not None:
            if self.visibility and self.visibility != existing.visibility:
                self.report.warnings.append(
                    f"the community {existing.name} exists and stays {existing.visibility} "
                    f"(--visibility {self.visibility} ignored)")
            owner = (Membership.objects.filter(community=existing, role=Role.OWNER).select_related("user")
                     .order_by("id").first())
            if owner is None:
                raise ImportError_(f"the community {existing.name} has no owner to add the imported people")
            self.owner = owner.user
            return existing
        admin = (User.objects.filter(network=self.network, is_admin=True, is_active=True, is_placeholder=False)
                 .order_by("id").first())
        if admin is None:
            raise ImportError_("the network has no administrator to own the community: "
                               "run `essaim createadmin` first")
        self.owner = admin
        with transaction.atomic():
            return do_create_community(admin, name=self.community_name, visibility=self.visibility or "open")

    # ------------------------------------------------------------ helpers

    def _records(self, kind: str, source_ids) -> dict[str, int]:
        ids = [str(i) for i in source_ids if i]
        if not ids:
            return {}
        return dict(ImportRecord.objects.filter(network=self.network, source=self.source, kind=kind,
                                                source_id__in=ids).values_list("source_id", "object_id"))

    def _record(self, kind: str, source_id: str, object_id: int) -> None:
        ImportRecord.objects.create(network=self.network, source=self.source, kind=kind, source_id=str(source_id),
                                    object_id=object_id)

    def _users(self, rows, id_key: str, name_key: str) -> dict[str, object]:
        """source user id -> User for these rows (placeholders made for deleted owners)."""
        from essaim.accounts.models import User

        known = self._records(Kind.USER, {r.get(id_key) for r in rows})
        by_pk = User.objects.in_bulk(set(known.values()))
        out = {sid: by_pk[pk] for sid, pk in known.items() if pk in by_pk}
        for row in rows:
            sid = row.get(id_key)
            if sid and sid in out:
                continue
            name = (row.get(name_key) or "").strip()
            key = f"name:{name}"[:200] if name else "anonymous"
            if key not in out:
                out[key] = self._placeholder(key, name or "Anonymous", None)
        return out

    def _author(self, users: dict, row: dict, id_key: str, name_key: str):
        sid = row.get(id_key)
        if sid and sid in users:
            return users[sid]
        name = (row.get(name_key) or "").strip()
        return users[f"name:{name}"[:200] if name else "anonymous"]

    def _placeholder(self, key: str, display_name: str, row: dict | None):
        """The person for `key` (a user id, "name:..." or "anonymous"), made once and a member of
        the community so that their content can live there."""
        from essaim.accounts.actions import do_create_placeholder_user
        from essaim.accounts.models import User
        from essaim.communities.actions import do_add_member

        found = self._records(Kind.USER, [key])
        if found:
            user = User.objects.filter(pk=found[key]).first()
            if user is not None:
                return user
        row = row or {}
        with transaction.atomic():
            user = do_create_placeholder_user(
                self.network, display_name=display_name, source=self.source, source_id=key[:64],
                created_at=parse_date(row.get("CreationDate")), bio=plain_text(row.get("AboutMe", ""))[:5000],
                location=row.get("Location", ""))
            do_add_member(self.community_obj, user, acting_user=self.owner, quiet=True)
            self._record(Kind.USER, key, user.id)
        self.report.people += 1
        return user

    def _pass(self, label: str, file: str, handle: Callable[[list[dict]], None], *, rows=None) -> None:
        path = self.dir / file
        if not path.is_file():
            return
        progress = Progress(self.progress, label, self.totals.get(file, 0))
        done = 0
        for batch in batches(rows if rows is not None else self._as_of(file, iter_rows(path)), self.batch_size):
            with transaction.atomic():
                handle(batch)
            done += len(batch)
            progress.update(done)
            if self.after_batch is not None:
                self.after_batch(label, done)
        progress.update(done, final=True)

    def _votes_until(self) -> None:
        """Scores and acceptances as of `until`, from Votes.xml (up 2, down 3, accepted 1)."""
        scores: dict[str, int] = {}
        accepted: set[str] = set()
        any_acceptance = False
        path = self.dir / "Votes.xml"
        if path.is_file():
            for row in iter_rows(path):
                kind, post = row.get("VoteTypeId"), row.get("PostId") or ""
                any_acceptance = any_acceptance or kind == "1"
                when = parse_date(row.get("CreationDate"))
                if when is None or when >= self.until:
                    continue
                if kind == "2":
                    scores[post] = scores.get(post, 0) + 1
                elif kind == "3":
                    scores[post] = scores.get(post, 0) - 1
                elif kind == "1":
                    accepted.add(post)
        self._scores = scores if path.is_file() else None
        self._accepted_before = accepted if any_acceptance else None

    def _as_of(self, file: str, rows: Iterator[dict], *, count: bool = False) -> Iterator[dict]:
        """The rows of `file` as the site was at `until` (all of them without it); `count`: note
        the rows left out in the report (once, while scanning)."""
        if self.until is None or file not in ("Posts.xml", "Comments.xml", "PostLinks.xml"):
            yield from rows
            return
        if file == "Posts.xml" and self._scores is None:
            self._votes_until()
        for row in rows:
            when = parse_date(row.get("CreationDate"))
            if when is not None and when >= self.until:
                if count:
                    self.report.skip("rows created on or after --until")
                continue
            if file == "Posts.xml":
                row = dict(row)
                if self._scores is not None:
                    row["Score"] = str(self._scores.get(row.get("Id", ""), 0))
                if row.get("AcceptedAnswerId") and self._accepted_before is not None \
                        and row["AcceptedAnswerId"] not in self._accepted_before:
                    row.pop("AcceptedAnswerId")
            yield row

    def _try(self, reason_prefix: str, row_id: str, action: Callable, /, *args, **kwargs):
        """The action's result, or None when it refuses (counted as skipped with its reason)."""
        try:
            with transaction.atomic():
                return action(*args, **kwargs)
        except EssaimError as exc:
            self.report.skip(f"{reason_prefix}: {exc.message}", row_id)
            return None

    # ------------------------------------------------------------ passes

    def do_users(self, batch: list[dict]) -> None:
        wanted = [r for r in batch if r.get("Id") in self._authors]
        for row in batch:
            if row.get("Id") not in self._authors:
                self.report.skip("people without imported content")
        known = self._records(Kind.USER, [r["Id"] for r in wanted])
        for row in wanted:
            if row["Id"] in known:
                self.report.already["people"] += 1
                continue
            self._placeholder(row["Id"], row.get("DisplayName") or f"user{row['Id']}", row)

    def do_questions(self, batch: list[dict]) -> None:
        from essaim.questions.actions import do_ask_question

        rows = [r for r in batch if r.get("PostTypeId") == "1"]
        for row in batch:
            if row.get("PostTypeId") not in ("1", "2"):
                self.report.skip(f"posts of type {row.get('PostTypeId') or '?'} (not a question or answer)")
        known = self._records(Kind.QUESTION, [r.get("Id") for r in rows])
        todo = [r for r in rows if r.get("Id") and r["Id"] not in known]
        self.report.already["questions"] += len(rows) - len(todo)
        users = self._users(todo, "OwnerUserId", "OwnerDisplayName")
        for row in todo:
            sid = row["Id"]
            topics, seen = [], set()
            for tag in parse_tags(row.get("Tags")):
                name = topic_name(tag)
                if name is None:
                    self.report.skip("tags that are not valid topic names", tag)
                elif name not in seen:
                    seen.add(name)
                    topics.append(name)
            self._topics.update(topics)
            body = fit_body(html_body(row.get("Body", "")), self.report, sid)
            title = " ".join((row.get("Title") or "").split())[:300]
            post = self._try(
                "questions refused", sid, do_ask_question,
                self._author(users, row, "OwnerUserId", "OwnerDisplayName"), title, body,
                community=self.community_obj, topics=topics, created_at=parse_date(row.get("CreationDate")),
                source=self.source, source_id=sid, license=(row.get("ContentLicense") or "")[:40],
                score=_int(row.get("Score")), quiet=True)
            if post is not None:
                self._record(Kind.QUESTION, sid, post.id)
                self.report.questions += 1

    def do_answers(self, batch: list[dict]) -> None:
        from essaim.questions.actions import do_answer_question
        from essaim.stream.models import Post

        rows = [r for r in batch if r.get("PostTypeId") == "2"]
        known = self._records(Kind.ANSWER, [r.get("Id") for r in rows])
        todo = [r for r in rows if r.get("Id") and r["Id"] not in known]
        self.report.already["answers"] += len(rows) - len(todo)
        questions = self._records(Kind.QUESTION, {r.get("ParentId") for r in todo})
        posts = Post.objects.in_bulk(set(questions.values()))
        ready = []
        for row in todo:
            post = posts.get(questions.get(row.get("ParentId") or "", 0))
            if post is None:
                self.report.skip("answers to a question not in the import", row["Id"])
            else:
                ready.append((row, post))
        users = self._users([r for r, _p in ready], "OwnerUserId", "OwnerDisplayName")
        for row, post in ready:
            sid = row["Id"]
            body = fit_body(html_body(row.get("Body", "")), self.report, sid)
            answer = self._try(
                "answers refused", sid, do_answer_question,
                post, self._author(users, row, "OwnerUserId", "OwnerDisplayName"), body,
                created_at=parse_date(row.get("CreationDate")), source=self.source, source_id=sid,
                license=(row.get("ContentLicense") or "")[:40], score=_int(row.get("Score")), quiet=True)
            if answer is not None:
                self._record(Kind.ANSWER, sid, answer.id)
                self.report.answers += 1

    def do_accepted(self, batch: list[dict]) -> None:
        from essaim.questions.actions import do_accept_answer
        from essaim.questions.models import Answer
        from essaim.stream.models import Post

        rows = [r for r in batch if r.get("PostTypeId") == "1" and r.get("AcceptedAnswerId")]
        known = self._records(Kind.ACCEPTED, [r.get("Id") for r in rows])
        todo = [r for r in rows if r["Id"] not in known]
        self.report.already["accepted"] += len(rows) - len(todo)
        questions = self._records(Kind.QUESTION, [r["Id"] for r in todo])
        answers = self._records(Kind.ANSWER, [r["AcceptedAnswerId"] for r in todo])
        posts = Post.objects.select_related("author").in_bulk(set(questions.values()))
        answer_rows = Answer.objects.in_bulk(set(answers.values()))
        for row in todo:
            post = posts.get(questions.get(row["Id"], 0))
            answer = answer_rows.get(answers.get(row["AcceptedAnswerId"], 0))
            if post is None:
                self.report.skip("accepted answers of a question not in the import", row["Id"])
            elif answer is None or answer.question_id != post.id:
                self.report.skip("accepted answers not in the import", row["AcceptedAnswerId"])
            elif self._try("accepted answers refused", row["Id"], do_accept_answer, answer,
                           acting_user=post.author, quiet=True) is not None:
                self._record(Kind.ACCEPTED, row["Id"], answer.id)
                self.report.accepted += 1

    def do_duplicates(self, batch: list[dict]) -> None:
        from essaim.questions.actions import do_mark_duplicate
        from essaim.stream.models import Post

        rows = [r for r in batch if r.get("LinkTypeId") == "3"]
        known = self._records(Kind.DUPLICATE, [r.get("PostId") for r in rows])
        todo = []
        for row in rows:
            if row.get("PostId") in known:
                self.report.already["duplicates"] += 1
            else:
                todo.append(row)
        questions = self._records(Kind.QUESTION, {r.get("PostId") for r in todo} | {r.get("RelatedPostId") for r in todo})
        posts = Post.objects.in_bulk(set(questions.values()))
        for row in todo:
            sid = row.get("PostId") or ""
            dup, original = posts.get(questions.get(sid, 0)), posts.get(questions.get(row.get("RelatedPostId"), 0))
            if dup is None or original is None:
                self.report.skip("duplicate links to a question not in the import", row.get("Id", ""))
            elif sid in known:
                self.report.skip("more duplicate links for the same question", row.get("Id", ""))
            elif self._try("duplicate links refused", row.get("Id", ""), do_mark_duplicate, dup, original,
                           acting_user=self.owner, quiet=True) is not None:
                self._record(Kind.DUPLICATE, sid, original.id)
                known[sid] = original.id
                self.report.duplicates += 1

    def do_comments(self, batch: list[dict]) -> None:
        from essaim.questions.models import Answer
        from essaim.stream.actions import do_create_comment
        from essaim.stream.models import Post

        known = self._records(Kind.COMMENT, [r.get("Id") for r in batch])
        todo = [r for r in batch if r.get("Id") and r["Id"] not in known]
        self.report.already["comments"] += len(batch) - len(todo)
        post_ids = {r.get("PostId") for r in todo}
        questions = self._records(Kind.QUESTION, post_ids)
        answers = self._records(Kind.ANSWER, post_ids)
        posts = Post.objects.in_bulk(set(questions.values()))
        answer_rows = Answer.objects.select_related("question").in_bulk(set(answers.values()))
        ready = []
        for row in todo:
            pid = row.get("PostId") or ""
            post, answer = posts.get(questions.get(pid, 0)), answer_rows.get(answers.get(pid, 0))
            body = markdown_body(row.get("Text", ""))
            if post is None and answer is None:
                self.report.skip("comments on a post not in the import", row["Id"])
            elif not body:
                self.report.skip("empty comments", row["Id"])
            else:
                ready.append((row, post or answer.question, answer, fit_body(body, self.report, row["Id"])))
        users = self._users([r for r, *_ in ready], "UserId", "UserDisplayName")
        for row, post, answer, body in ready:
            comment = self._try(
                "comments refused", row["Id"], do_create_comment,
                post, self._author(users, row, "UserId", "UserDisplayName"), body, answer=answer,
                created_at=parse_date(row.get("CreationDate")), source=self.source, source_id=row["Id"],
                quiet=True)
            if comment is not None:
                self._record(Kind.COMMENT, row["Id"], comment.id)
                self.report.comments += 1

    # ------------------------------------------------------------ run

    def run(self) -> Report:
        started = time.monotonic()
        self.check_files()
        self._authors = self.scan()
        self._topics: set[str] = set()
        self.community_obj = self.community()
        self.report.community = self.community_obj.name
        self._pass("Users.xml", "Users.xml", self.do_users)
        self._pass("Posts.xml (questions)", "Posts.xml", self.do_questions)
        self._pass("Posts.xml (answers)", "Posts.xml", self.do_answers)
        self._pass("Posts.xml (accepted answers)", "Posts.xml", self.do_accepted)
        self._pass("PostLinks.xml", "PostLinks.xml", self.do_duplicates)
        self._pass("Comments.xml", "Comments.xml", self.do_comments)
        self.report.topics = len(self._topics)
        self.report.seconds = time.monotonic() - started
        return self.report


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def run_search_jobs() -> int:
    """Index what the import queued for search, now, in batches (each object once), then
    summarise the imported people's expertise (each person once)."""
    from essaim.experts.jobs import run_in_bulk as summarise
    from essaim.search.jobs import run_in_bulk

    indexed = run_in_bulk()
    summarise()
    return indexed


def import_stackexchange(directory, *, network, community_name: str, visibility: str | None = None,
                         **options) -> Report:
    started = time.monotonic()
    report = StackExchangeImporter(directory, network=network, community_name=community_name,
                                   visibility=visibility, **options).run()
    report.indexed = run_search_jobs()
    report.seconds = time.monotonic() - started
    return report
