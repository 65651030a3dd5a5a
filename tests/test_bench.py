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
