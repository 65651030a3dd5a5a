"""`essaim generate`: a realistic network, the same for the same seed, consistent at the end; and the
bulk actions it writes through, on their bad paths (nothing written)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db.models import Count, F, Q

from essaim import generate
from essaim.accounts import actions as accounts
from essaim.accounts.models import Follow, User
from essaim.cli import CommandError, main
from essaim.communities import actions as communities
from essaim.communities.models import Community, Membership
from essaim.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from essaim.core.models import Job
from essaim.experts.models import AreaKind, Expertise, ExpertiseArea
from essaim.questions import actions as questions
from essaim.questions.models import Answer
from essaim.search.models import SearchEntry
from essaim.stream import actions as stream
from essaim.stream.models import Comment, Post, Reaction

pytestmark = pytest.mark.django_db
END = datetime(2026, 11, 1, tzinfo=UTC)


def _network(slug: str):
    return accounts.do_create_network(slug.title(), slug)


def test_same_seed_same_data_and_another_seed_other_data():
    first, second, third = _network("gen-one"), _network("gen-two"), _network("gen-three")
    a = generate.generate("S", seed=11, end=END, network=first, say=lambda m: None)
    b = generate.generate("S", seed=11, end=END, network=second, say=lambda m: None)
    c = generate.generate("S", seed=12, end=END, network=third, say=lambda m: None)
    assert generate.fingerprint(first.id) == generate.fingerprint(second.id)
    assert generate.fingerprint(first.id) != generate.fingerprint(third.id)
    counts = lambda r: {k: v for k, v in r.items() if k not in ("seconds", "steps", "network_id")}  # noqa: E731
    assert counts(a) == counts(b)
    assert a["people"] == 10 and a["posts"] == 1000 and a["communities"] == 6
    assert c["posts"] == a["posts"]  # the same volumes from another seed


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_batches_written_on_two_connections_and_indexed_in_two_processes_give_the_same_network():
    from django.db import connection, transaction

    together = _network("gen-together")
    generate.generate("S", seed=5, end=END, network=together, say=lambda m: None)  # two connections on PostgreSQL
    with transaction.atomic():  # one connection: what the others wrote must already be committed
        assert generate.Writers().at_once == 1
        alone = _network("gen-alone")
        generate.generate("S", seed=5, end=END, network=alone, say=lambda m: None)
    assert generate.Writers().at_once == (2 if connection.vendor == "postgresql" else 1)
    assert generate.fingerprint(together.id) == generate.fingerprint(alone.id)
    assert Membership.objects.filter(network=together).count() == Membership.objects.filter(network=alone).count() > 0
    entries = lambda n: sorted(SearchEntry.objects.filter(network=n).values_list("type", "title", "terms"))  # noqa: E731
    assert entries(together) == entries(alone) and len(entries(alone)) > 1000  # indexed in two processes
    summaries = lambda n: sorted(map(repr, Expertise.objects.filter(network=n).values_list(  # noqa: E731
        "user__handle", "community__slug", "posts", "questions", "comments", "answers", "accepted", "upvotes",
        "last_at")))
    topics = lambda n: sorted(map(repr, ExpertiseArea.objects.filter(network=n, kind=AreaKind.TOPIC).values_list(  # noqa: E731
        "user__handle", "community__slug", "key", "weight", "evidence")))
    assert summaries(together) == summaries(alone) and len(summaries(alone)) > 10  # summarised in two processes
    assert topics(together) == topics(alone)


def test_generated_network_is_consistent():
    network = _network("gen-check")
    result = generate.generate("S", seed=3, end=END, network=network, say=lambda m: None)
    posts = Post.objects.filter(network=network)
    assert posts.count() == 1000 == result["posts"]
    assert posts.filter(kind="question").count() == result["questions"] > 0
    assert Comment.objects.filter(network=network).count() == result["comments"] > 0
    assert Answer.objects.filter(network=network).count() == result["answers"]
    assert Reaction.objects.filter(network=network).count() == result["reactions"] > 0
    # counters equal what they count
    for post in posts.annotate(n=Count("comments", filter=Q(comments__deleted_at__isnull=True), distinct=True)):
        assert post.comment_count == post.n
    for q in posts.filter(kind="question").annotate(n=Count("answers", distinct=True)):
        assert q.answer_count == q.n
        if q.accepted_answer_id:
            assert Answer.objects.get(pk=q.accepted_answer_id).question_id == q.id
    assert posts.filter(kind="question", accepted_answer__isnull=False).count() == result["accepted"]
    for community in Community.objects.filter(network=network).annotate(n=Count("memberships")):
        assert community.member_count == community.n
    people = User.objects.filter(network=network, email__endswith="@people.invalid")
    wide = Community.objects.filter(network=network, slug__in=[s for _n, s, _d in generate.COMPANY_WIDE])
    assert all(c.member_count == people.count() + 1 for c in wide)  # everyone, and the administrator owner
    # every author could post where they did; every commenter and reactor could read
    for post in posts.exclude(community=None).select_related("community")[:300]:
        assert Membership.objects.filter(community=post.community, user_id=post.author_id).exists()
    for comment in Comment.objects.filter(network=network, post__community__isnull=False).select_related("post")[:300]:
        assert Membership.objects.filter(community_id=comment.post.community_id, user_id=comment.author_id).exists()
    assert Follow.objects.filter(network=network).exists()
    assert not Follow.objects.filter(network=network, follower_id=F("followee_id")).exists()
    # the search index holds everything, and search finds generated text
    assert SearchEntry.objects.filter(network=network, post__isnull=False).values("post_id").distinct().count() == 1000
    assert SearchEntry.objects.filter(network=network, type="comment").count() == result["comments"]
    assert SearchEntry.objects.filter(network=network, type="answer").count() == result["answers"]
    # everyone who contributed has their expertise summarised, nobody else, and no job is left over
    contributors = (set(posts.values_list("author_id", flat=True))
                    | set(Comment.objects.filter(network=network).values_list("author_id", flat=True))
                    | set(Answer.objects.filter(network=network).values_list("author_id", flat=True)))
    assert set(Expertise.objects.filter(network=network).values_list("user_id", flat=True)) == contributors
    mine = Expertise.objects.filter(network=network, user_id=posts.first().author_id)
    assert sum(mine.values_list("posts", flat=True)) + sum(mine.values_list("questions", flat=True)) == \
        posts.filter(author_id=posts.first().author_id).count()
    assert not Job.objects.filter(kind__in=["experts.index", "search.index"]).exclude(state=Job.State.DONE).exists()
    # dated before the end, over about two years
    latest = posts.order_by("-created_at").first().created_at
    earliest = posts.order_by("created_at").first().created_at
    assert latest <= END and (END - earliest).days > 600


def test_a_network_holds_one_generated_population():
    network = _network("gen-once")
    generate.generate("S", seed=1, end=END, network=network, say=lambda m: None)
    before = Post.objects.filter(network=network).count()
    with pytest.raises(CommandError, match="already holds generated data"):
        generate.generate("S", seed=1, end=END, network=network, say=lambda m: None)
    assert Post.objects.filter(network=network).count() == before


def test_cli_generate_refuses_a_second_run(capsys):
    assert main(["generate", "--tier", "S", "--seed", "2", "--end", "2026-11-01"]) == 0
    out = capsys.readouterr().out
    assert "1,000 posts" in out and generate.ADMIN_EMAIL in out
    assert main(["generate", "--tier", "S"]) == 2
    assert "already holds generated data" in capsys.readouterr().err


def test_cli_generate_bad_tier(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["generate", "--tier", "XL"])
    assert exit_.value.code == 2


# ------------------------------------------------------------------ the bulk actions' bad paths


def test_bulk_comments_and_reactions_need_readers(world):
    post = stream.do_create_post(world.member, "In the secret place", community=world.secret)
    before = Comment.objects.count()
    with pytest.raises(Forbidden):
        stream.do_bulk_create_comments(world.network.id, [(post.id, world.member, "fine", None),
                                                          (post.id, world.outsider, "not mine to read", None)])
    assert Comment.objects.count() == before
    with pytest.raises(Forbidden):
        stream.do_bulk_react(world.network.id, [(world.outsider, post.id, "like")])
    with pytest.raises(InvalidInput):
        stream.do_bulk_react(world.network.id, [(world.member, post.id, "shrug")])
    assert not Reaction.objects.filter(post=post).exists()
    assert stream.do_bulk_react(world.network.id, [(world.member, post.id, "like"), (world.member, post.id, "like")]) == 1
    ids = stream.do_bulk_create_comments(world.network.id, [(post.id, world.member, "one", None),
                                                            (post.id, world.owner, "two", None)])
    assert len(ids) == 2
    post.refresh_from_db()
    assert post.comment_count == 2


def test_bulk_posts_refuse_a_non_member_and_write_nothing(world):
    before = Post.objects.count()
    with pytest.raises(Forbidden):
        stream.do_bulk_create_posts(world.member, [("ok", None), ("not a member", None, world.outsider)],
                                    community=world.private)
    with pytest.raises(InvalidInput):
        stream.do_bulk_create_posts(world.member, [("ok", None), ("", None)], community=world.private)
    assert Post.objects.count() == before
    ids = stream.do_bulk_create_posts(world.member, [("body", None, world.member, "A question title")],
                                      community=world.private)
    assert Post.objects.get(pk=ids[0]).kind == "question"


def test_bulk_posts_in_many_places_at_once_check_each_author_in_each_place(world):
    before = Post.objects.count()
    mixed = [("in the private one", None, world.member, "", world.private), ("to everyone", None, world.member, "", None),
             ("outsider in the private one", None, world.outsider, "", world.private)]
    with pytest.raises(Forbidden):
        stream.do_bulk_create_posts(world.member, mixed)
    assert Post.objects.count() == before
    ids = stream.do_bulk_create_posts(world.member, mixed[:2] + [("the owner in the open one", None, world.owner,
                                                                  "", world.open)])
    places = list(Post.objects.filter(id__in=ids).order_by("id").values_list("community_id", "author_id"))
    assert places == [(world.private.id, world.member.id), (None, world.member.id), (world.open.id, world.owner.id)]


def test_bulk_answers(world):
    question = questions.do_ask_question(world.member, "Which tool?", "Tell me", community=world.open)
    with pytest.raises(InvalidInput):
        questions.do_bulk_answer(world.network.id, [(question.id, world.owner, "a", None, True),
                                                    (question.id, world.moderator, "b", None, True)])
    post = stream.do_create_post(world.member, "not a question", community=world.open)
    with pytest.raises(NotFound):
        questions.do_bulk_answer(world.network.id, [(post.id, world.owner, "a", None, False)])
    secret_q = questions.do_ask_question(world.member, "Secret?", "Hush", community=world.secret)
    with pytest.raises(Forbidden):
        questions.do_bulk_answer(world.network.id, [(secret_q.id, world.outsider, "a", None, False)])
    assert not Answer.objects.exists()
    ids = questions.do_bulk_answer(world.network.id, [(question.id, world.owner, "a", None, False),
                                                      (question.id, world.moderator, "b", None, True)])
    question.refresh_from_db()
    assert question.answer_count == 2 and question.accepted_answer_id == ids[1]


def test_bulk_communities_and_members(world):
    with pytest.raises(Conflict):
        communities.do_bulk_create_communities(world.admin, [("One", "bulk-one", "open", ""),
                                                             ("Taken", world.open.slug, "open", "")])
    with pytest.raises(InvalidInput):
        communities.do_bulk_create_communities(world.admin, [("Bad", "bulk-bad", "public", "")])
    assert not Community.objects.filter(slug__startswith="bulk-").exists()
    ids = communities.do_bulk_create_communities(world.admin, [("One", "bulk-one", "open", ""),
                                                               ("Two", "bulk-two", "secret", "")])
    with pytest.raises(Forbidden):  # a plain member manages nobody's membership
        communities.do_bulk_add_members({world.open.id: [world.outsider.id]}, acting_user=world.member)
    with pytest.raises(NotFound):
        communities.do_bulk_add_members({ids[0]: [world.stranger.id]}, acting_user=world.admin)
    assert communities.do_bulk_add_members({ids[0]: [world.member.id, world.owner.id], ids[1]: [world.member.id]},
                                           acting_user=world.admin) == 3
    assert communities.do_bulk_add_members({ids[0]: [world.member.id]}, acting_user=world.admin) == 0
    assert Community.objects.get(pk=ids[0]).member_count == 3  # the administrator who created it, and two


def test_bulk_follows(world):
    with pytest.raises(InvalidInput):
        accounts.do_bulk_follow(world.network, [(world.member.id, world.owner.id), (world.member.id, world.member.id)])
    with pytest.raises(NotFound):
        accounts.do_bulk_follow(world.network, [(world.member.id, world.stranger.id)])
    assert not Follow.objects.filter(follower=world.member).exists()
    assert accounts.do_bulk_follow(world.network, [(world.member.id, world.owner.id)]) == 1
    assert accounts.do_bulk_follow(world.network, [(world.member.id, world.owner.id),
                                                   (world.owner.id, world.member.id)]) == 1


@pytest.mark.parametrize("n", [10, 60])
def test_bulk_reactions_and_comments_check_permissions_in_a_fixed_number_of_queries(world, n,
                                                                                   django_assert_max_num_queries):
    ids = stream.do_bulk_create_posts(world.member, [(f"post {i}", None) for i in range(n)], community=world.private)
    readers = [world.member, world.owner, world.moderator]
    with django_assert_max_num_queries(14):
        stream.do_bulk_react(world.network.id, [(readers[i % 3], pid, "like") for i, pid in enumerate(ids)])
    with django_assert_max_num_queries(14):
        stream.do_bulk_create_comments(world.network.id, [(pid, readers[i % 3], "well said", None)
                                                          for i, pid in enumerate(ids)])
    with pytest.raises(Forbidden):  # the outsider may not read the private community
        stream.do_bulk_react(world.network.id, [(world.outsider, ids[0], "like")])
