"""Writing a whole generated network's entries at once: PostgreSQL's text index is dropped for the
load and built again at the end, also when the load fails; searches find the entries after."""

from __future__ import annotations

import pytest
from django.db import connection

from essaim.search import engine, indexing
from essaim.search.backends import bulk_loading
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db


def text_index_exists() -> bool:
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'search_entry_fts'")
        return c.fetchone()[0] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN index")
def test_the_text_index_is_rebuilt_after_the_load_even_when_it_fails(world):
    post = stream.do_create_post(world.member, "Quarterly zeppelin maintenance report", community=world.open)
    with bulk_loading():
        assert not text_index_exists()
        indexing.reindex_all()
    assert text_index_exists()
    assert [r.id for r in engine.search(world.member, "zeppelin").results] == [post.id]
    with pytest.raises(RuntimeError), bulk_loading():
        assert not text_index_exists()
        raise RuntimeError("interrupted")
    assert text_index_exists()


def test_elsewhere_it_changes_nothing(world):
    post = stream.do_create_post(world.member, "Quarterly zeppelin maintenance report", community=world.open)
    with bulk_loading():
        indexing.reindex_all()
    assert [r.id for r in engine.search(world.member, "zeppelin").results] == [post.id]
