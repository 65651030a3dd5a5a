"""`essaim bench` measures real pages: every feed costs as many queries for 1 post as for 20."""

from essaim import bench
from essaim.stream import actions as stream


def test_feed_pages_cost_the_same_queries_for_one_and_twenty_posts(world):
    for n in range(25):
        place = world.open if n % 2 else world.private
        post = stream.do_create_post(world.member, f"Post {n} for @owner #bench", community=place)
        stream.do_add_reaction(world.owner, "like", post=post)
        stream.do_create_comment(post, world.owner, "Noted")
    rows = bench.measure_queries()
    assert {name for name, _one, _twenty in rows} >= {"home", "all company", "community", "profile", "topic"}
    for name, one, twenty in rows:
        assert one == twenty, (name, one, twenty)
        assert one <= 12, (name, one)


def test_the_search_corpus_is_generated_once_deterministically_and_searchable(world):
    from essaim.core.errors import Forbidden
    from essaim.search import bench as search_bench
    from essaim.search.engine import search
    from essaim.stream.models import Post

    world.admin.is_admin = True
    made = search_bench.ensure_corpus(40, say=lambda _m: None)
    assert made["generated"] == 40 - made["existing"] > 0
    assert Post.objects.filter(network=world.network, deleted_at__isnull=True).count() == 40
    assert search_bench.ensure_corpus(40, say=lambda _m: None)["generated"] == 0  # once
    bodies = list(Post.objects.filter(community__slug="bench-corpus").order_by("id").values_list("body", flat=True))
    word = max(set(" ".join(bodies).split()), key=" ".join(bodies).split().count)
    assert search(world.outsider, word.strip(".,").lower()).results  # indexed, open to everyone
    # the same seed gives the same text
    import random
    words, cum = search_bench.vocabulary(), search_bench._cumulative(search_bench.VOCABULARY)
    assert search_bench.body(random.Random(5), words, cum) == search_bench.body(random.Random(5), words, cum)
    # the bulk action keeps the rules of one post
    try:
        stream.do_bulk_create_posts(world.outsider, [("hors de mon club", None)], community=world.secret)
    except Forbidden:
        pass
    else:
        raise AssertionError("an outsider wrote into a secret community")
    kinds = {kind for kind, _params in search_bench.queries(random.Random(1), 12)}
    assert kinds == {"rare", "medium", "common", "two words", "long question", "newest first"}
