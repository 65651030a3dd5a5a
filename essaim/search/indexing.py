"""Building the search index: a registry of searchable kinds, each with a function turning object
ids into SearchEntry rows. Later issues register more kinds (documents, wiki pages) with
`register()`; the engine needs nothing else from them than entries with a `post_id` (visibility
of a post) or a predicate of their own in engine.visibility_filter().

index_objects(kind, ids): (re)build the entries of those objects; objects that are gone or deleted
lose their entries. remove(kind, ids): drop them. reindex_all(): everything, in batches.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from .models import SearchEntry
from .text import index_terms, words

BATCH = 500


@dataclass(frozen=True)
class SearchKind:
    name: str
    entry_types: tuple[str, ...]
    build: Callable[[list[int]], list[SearchEntry]]  # ids -> entries of those still indexable
    all_ids: Callable[[], Iterable[int]]  # for reindex_all (an iterator over a queryset)


_registry: dict[str, SearchKind] = {}


def register(kind: SearchKind) -> None:
    _registry[kind.name] = kind


def kinds() -> dict[str, SearchKind]:
    return dict(_registry)


def _chunks(ids: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    chunk: list[int] = []
    for i in ids:
        chunk.append(int(i))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def index_objects(kind: str, ids: Iterable[int]) -> int:
    """(Re)build the entries of these objects, in batches, each in one transaction. A rebuilt entry
    keeps its id, so the latest ids stay the latest entries (the engine's "latest matches" for
    very common words rely on it)."""
    spec = _registry[kind]
    made = 0
    for chunk in _chunks(ids):
        with transaction.atomic():
            entries = spec.build(chunk)
            old = SearchEntry.objects.filter(type__in=spec.entry_types, object_id__in=chunk)
            existing = {(t, o): pk for pk, t, o in old.values_list("id", "type", "object_id")}
            for entry in entries:
                entry.pk = existing.get((entry.type, entry.object_id))
            old.delete()
            SearchEntry.objects.bulk_create(entries)
            made += len(entries)
    return made


def remove(kind: str, ids: Iterable[int]) -> None:
    spec = _registry[kind]
    for chunk in _chunks(ids):
        SearchEntry.objects.filter(type__in=spec.entry_types, object_id__in=chunk).delete()


def reindex_all(*, only: Iterable[str] | None = None, say: Callable[[str], None] | None = None) -> dict[str, int]:
    counts = {}
    for name, spec in _registry.items():
        if only and name not in only:
            continue
        counts[name] = index_objects(name, spec.all_ids())
        # objects that no longer exist at all
        existing = set()
        for chunk in _chunks(SearchEntry.objects.filter(type__in=spec.entry_types)
                             .values_list("object_id", flat=True).iterator()):
            existing.update(chunk)
        gone = existing - {int(i) for i in spec.all_ids()}
        remove(name, gone)
        if say:
            say(f"{name}: {counts[name]} entries")
    return counts


# ------------------------------------------------------------------ text helpers

_TAG = re.compile(r"<[^>]*>")


def plain(html: str) -> str:
    """Plain text of sanitised HTML (tags dropped, entities decoded, spaces collapsed)."""
    return " ".join(html_lib.unescape(_TAG.sub(" ", html or "")).split())


def _entry(obj, **fields) -> SearchEntry:
    title = fields.get("title", "")[:300]
    text = fields.get("text", "")
    extra = fields.pop("extra_terms", "")
    # A comment or an answer shows its post's title but is matched on its own words only: a
    # search for a question's words finds the question, not each of its answers again.
    matched_title = "" if fields.pop("inherited_title", False) else title
    title_terms, terms = index_terms(matched_title, text, extra)
    return SearchEntry(title_terms=title_terms, terms=terms, source_id=(getattr(obj, "source_id", "") or "")[:64],
                       **fields)


def _counts(model, field: str, ids: list[int], **filters) -> dict[int, int]:
    return dict(model.objects.filter(**{f"{field}__in": ids}, **filters).values(field)
                .annotate(n=Count("id")).values_list(field, "n"))


# ------------------------------------------------------------------ the kinds


def _build_posts(ids: list[int]) -> list[SearchEntry]:
    from essaim.stream.models import Post, PostTopic, Reaction

    posts = list(Post.objects.filter(id__in=ids, deleted_at__isnull=True))
    reactions = _counts(Reaction, "post_id", ids, comment__isnull=True)
    topics: dict[int, list[str]] = {}
    for post_id, name in PostTopic.objects.filter(post_id__in=ids).values_list("post_id", "topic__name"):
        topics.setdefault(post_id, []).append(name)
    return [_entry(p, network_id=p.network_id, type="question" if p.kind == "question" else "post",
                   object_id=p.id, post_id=p.id, community_id=p.community_id, author_id=p.author_id,
                   title=p.title or "", text=plain(p.html), created_at=p.created_at,
                   extra_terms=_unwritten(topics.get(p.id, ()), p.body),
                   engagement=reactions.get(p.id, 0) + p.comment_count + p.answer_count + max(p.score, 0)
                   + (1 if p.accepted_answer_id else 0))
            for p in posts]


def _unwritten(topics, body: str) -> str:
    """The topics a post's text does not already name (imported tags): matched with its body."""
    if not topics:
        return ""
    written = set(words(body))
    return " ".join(t for t in topics if not set(words(t)) <= written)


def _build_comments(ids: list[int]) -> list[SearchEntry]:
    from essaim.stream.models import Comment, Reaction

    comments = list(Comment.objects.filter(id__in=ids, deleted_at__isnull=True).select_related("post"))
    reactions = _counts(Reaction, "comment_id", ids)
    return [_entry(c, network_id=c.network_id, type="comment", object_id=c.id, post_id=c.post_id,
                   community_id=c.post.community_id, author_id=c.author_id, title=c.post.title or "",
                   inherited_title=True, text=plain(c.html), created_at=c.created_at, engagement=reactions.get(c.id, 0))
            for c in comments]


def _build_answers(ids: list[int]) -> list[SearchEntry]:
    from essaim.questions.models import Answer

    answers = list(Answer.objects.filter(id__in=ids, deleted_at__isnull=True).select_related("question"))
    return [_entry(a, network_id=a.network_id, type="answer", object_id=a.id, post_id=a.question_id,
                   community_id=a.question.community_id, author_id=a.author_id, title=a.question.title or "",
                   inherited_title=True,
                   text=plain(a.html), created_at=a.created_at,
                   engagement=max(a.score, 0) + (1 if a.question.accepted_answer_id == a.id else 0))
            for a in answers]


def _build_people(ids: list[int]) -> list[SearchEntry]:
    from essaim.accounts.models import User

    people = list(User.objects.filter(id__in=ids, is_active=True).prefetch_related("skills"))
    out = []
    for u in people:
        skills = " ".join(s.name for s in u.skills.all())
        text = " · ".join(part for part in (u.job_title, u.department, u.location, skills, u.bio) if part)
        out.append(_entry(u, network_id=u.network_id, type="person", object_id=u.id, author_id=u.id,
                          title=u.display_name, text=text, created_at=u.date_joined, extra_terms=u.handle))
    return out


def _build_communities(ids: list[int]) -> list[SearchEntry]:
    from essaim.communities.models import Community

    return [_entry(c, network_id=c.network_id, type="community", object_id=c.id, community_id=c.id,
                   title=c.name, text=c.description, created_at=c.created_at, engagement=c.member_count,
                   extra_terms=c.slug)
            for c in Community.objects.filter(id__in=ids)]


def _build_topics(ids: list[int]) -> list[SearchEntry]:
    from essaim.stream.models import PostTopic, Topic

    uses = _counts(PostTopic, "topic_id", ids)
    return [_entry(t, network_id=t.network_id, type="topic", object_id=t.id, title=t.name, text=f"#{t.name}",
                   created_at=t.created_at, engagement=uses.get(t.id, 0))
            for t in Topic.objects.filter(id__in=ids)]


def _ids(model_path: str, **filters) -> Callable[[], Iterable[int]]:
    def all_ids():
        from django.apps import apps

        return apps.get_model(model_path).objects.filter(**filters).order_by("id").values_list(
            "id", flat=True).iterator(chunk_size=BATCH)
    return all_ids


register(SearchKind("post", ("post", "question"), _build_posts, _ids("stream.Post", deleted_at__isnull=True)))
register(SearchKind("comment", ("comment",), _build_comments, _ids("stream.Comment", deleted_at__isnull=True)))
register(SearchKind("answer", ("answer",), _build_answers, _ids("questions.Answer", deleted_at__isnull=True)))
register(SearchKind("person", ("person",), _build_people, _ids("accounts.User", is_active=True)))
register(SearchKind("community", ("community",), _build_communities, _ids("communities.Community")))
register(SearchKind("topic", ("topic",), _build_topics, _ids("stream.Topic")))
