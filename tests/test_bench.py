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


def test_the_experts_corpus_spreads_posts_over_generated_people_who_become_findable(world):
    import pytest

    from essaim.accounts.actions import do_bulk_create_people
    from essaim.accounts.models import User
    from essaim.core.errors import Conflict
    from essaim.experts import bench as experts_bench
    from essaim.experts.models import Expertise
    from essaim.experts.ranking import find_experts
    from essaim.search.engine import search
    from essaim.stream.models import Post

    made = experts_bench.ensure_people(User.objects.filter(network=world.network).count() + 30,
                                       say=lambda _m: None)
    assert made["generated"] == 30
    people = User.objects.filter(network=world.network, handle__startswith="bench-person-")
    assert people.count() == 30 and not any(p.has_usable_password() for p in people)
    assert search(world.outsider, "Bench Person 7", type="person").results  # indexed through the jobs
    with pytest.raises(Conflict):  # a taken handle refuses the whole batch
        do_bulk_create_people(world.network, [("New One", "new-one"), ("Again", "bench-person-3")])
    assert not User.objects.filter(handle="new-one").exists()
    experts_bench.ensure_contributions(60, say=lambda _m: None)
    posts = Post.objects.filter(network=world.network, community__isnull=True)
    assert posts.count() == 60 and posts.values("author").distinct().count() > 5
    assert experts_bench.ensure_contributions(60, say=lambda _m: None)["generated"] == 0  # once
    writer = posts.values_list("author_id", flat=True).first()
    assert Expertise.objects.filter(user_id=writer, posts__gt=0).exists()
    word = Post.objects.filter(author_id=writer).first().body.split()[0].strip(".,").lower()
    assert any(e.user.id == writer for e in find_experts(world.outsider, word, limit=50))
    # every author must be allowed to post where the posts go
    with pytest.raises(Exception):
        stream.do_bulk_create_posts(world.member, [("dans le club secret", None, world.outsider)],
                                    community=world.secret)
    assert not Post.objects.filter(body__contains="club secret").exists()
