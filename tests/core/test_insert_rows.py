"""core.bulk.insert_rows: the rows of the bulk actions (COPY with ids from the sequence on
PostgreSQL, bulk_create elsewhere) are whole rows, in order, and leave the table usable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from essaim.core.bulk import insert_rows
from essaim.stream.models import Post

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIELDS = ("network_id", "author_id", "community_id", "body", "html", "created_at", "kind", "title")


def _rows(world, n: int) -> list[tuple]:
    return [(world.network.id, world.member.id, world.open.id, f"body {i}", f"<p>body {i}</p>", WHEN, "post", "")
            for i in range(n)]


def test_rows_come_back_in_order_with_every_default_and_batches_see_their_own(world):
    batches = []
    with transaction.atomic():
        ids = insert_rows(Post, FIELDS, _rows(world, 7), lambda made, part: batches.append((made, part)), batch=3)
    assert len(ids) == 7 == len(set(ids)) and ids == sorted(ids)
    assert [len(made) for made, _part in batches] == [3, 3, 1]
    assert [i for made, _part in batches for i in made] == ids
    assert [part[0][3] for _made, part in batches] == ["body 0", "body 3", "body 6"]
    posts = {p.id: p for p in Post.objects.filter(id__in=ids)}
    assert [posts[i].body for i in ids] == [f"body {i}" for i in range(7)]
    first = posts[ids[0]]
    assert (first.comment_count, first.answer_count, first.score, first.pinned, first.announcement) == (0, 0, 0,
                                                                                                       False, False)
    assert first.deleted_at is None and first.accepted_answer_id is None and first.source == ""
    assert first.created_at == WHEN and first.community_id == world.open.id


def test_a_post_written_the_usual_way_afterwards_gets_a_new_id(world):
    with transaction.atomic():
        ids = insert_rows(Post, FIELDS, _rows(world, 5), lambda made, part: None)
    later = Post.objects.create(network=world.network, author=world.member, body="after", html="<p>after</p>")
    assert later.id > max(ids)


def _check_constraints_now() -> None:
    """Foreign keys are checked when the transaction commits, which a test's never does: now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
    else:
        connection.check_constraints()


def test_a_bad_row_writes_nothing(world):
    rows = _rows(world, 4)
    rows[2] = (world.network.id, 999_999_999, world.open.id, "ghost", "<p>ghost</p>", WHEN, "post", "")  # no author
    before = Post.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Post, FIELDS, rows, lambda made, part: None)
        _check_constraints_now()
    assert Post.objects.count() == before


def test_a_column_without_default_must_be_given(world):
    with pytest.raises(ValueError, match="body"), transaction.atomic():
        insert_rows(Post, ("network_id", "author_id", "html", "created_at"), [(world.network.id, world.member.id, "", WHEN)],
                    lambda made, part: None)
