"""Search hardening: odd queries never fail or leak; the index follows edits, deletions and
visibility changes; closed communities and other networks never show through results, facets,
snippets or suggestions. Runs on SQLite and PostgreSQL (ESSAIM_DATABASE_URL)."""

import pytest

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.core import jobs
from essaim.questions import actions as questions
from essaim.search.engine import search, similar_questions
from essaim.search.models import SearchEntry
from essaim.search.query import QueryError
from essaim.search.suggest import suggest
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db


def run_jobs():
    jobs.run_pending(limit=10_000, kinds=["search.index"])


def found(viewer, q, **kw):
    return {(r.type, r.id) for r in search(viewer, q, limit=100, **kw).results}


@pytest.fixture
def corpus(world, post_in, django_capture_on_commit_callbacks):
    """Open content anyone may find; the same words in private and secret communities; a post of the
    other network."""
    with django_capture_on_commit_callbacks(execute=True):
        public = post_in("open", "Budget Hyperion public : l'équipe «marketing» prévoit 😀 du café")
        private = post_in("private", "Budget hyperion confidentiel du club privé #hyperion")
        secret = post_in("secret", "Budget hyperion confidentiel très secret #hyperion")
        secret_comment = stream.do_create_comment(secret, world.owner, "hyperion confidentiel commentaire")
        secret_question = questions.do_ask_question(world.member, "Hyperion confidentiel : quel budget ?",
                                                    "Réponse secrète", community=world.secret)
        secret_answer = questions.do_answer_question(secret_question, world.owner, "hyperion confidentiel réponse")
        stranger_stream = stream.do_create_post(world.stranger, "Budget hyperion chez Globex #globexonly")
    run_jobs()
    return {"public": public, "private": private, "secret": secret, "secret_comment": secret_comment,
            "secret_question": secret_question, "secret_answer": secret_answer, "other": stranger_stream}


ODD_QUERIES = [
    '"budget', 'budget"', '"', "'", "''", '""', '"""', "-", "- -", "--", "-budget", "-\"\"", '-"budget hyperion"',
    "le la les de", "the of and", "a", "de", "budget le", "OR", "OR OR", "budget OR", "OR budget", "AND", "NOT",
    "budget AND hyperion", "NOT budget", "budget NOT", "AND OR NOT", "budget -", "NEAR(budget hyperion)",
    "NEAR(budget", "NEAR/2", "*", "**", "budget*", "*budget", "bud*get", '"*"', "h*", "(budget", "budget)",
    "((()))", "(budget OR hyperion) AND", "{budget}", "budget^2", "col:budget", "rowid:1", "search_fts:budget",
    "terms:budget", "unknown:budget", "from:", "in:", "topic:", "type:", "from:nobody", "in:no-such-club budget",
    "in:secret-club", "in:secret-club hyperion", "in:private-club budget", "from:stranger", "topic:hyperion",
    "topic:globexonly", "-from:member budget", "budget:", ":", "::budget", "\\", "%", "_", "%_%", "budget%",
    "'; DROP TABLE search_searchentry; --", "budget' OR '1'='1", '" OR 1=1 --', "1' AND 1=1", "$$", "E'\\x'",
    "budget & hyperion | !confidentiel", "<->", "budget <-> hyperion", "!budget", "'budget':*", "budget:*",
    "😀", "budget 😀", "😀😀😀 -😀", "👩‍💻", "مرحبا بالعالم", "שלום budget", "\u202ebudget", "budget\u200b",
    "\u200b", "ﬁnance", "Ⅻ", "²", "٣ budget", "ǅ", "ß", "İstanbul", "ŉ", "ﾊﾝｶｸ", "日本語 budget", "ไทย",
    "नमस्ते", "\t budget \n hyperion \r", "a-b-c", "e-mail", "l'équipe", "aujourd’hui", "«marketing»",
    "x" * 60, "y" * 61, " ".join(["budget"] * 40), " OR ".join(["w%d" % i for i in range(60)]),
    " ".join(f"-w{i}" for i in range(60)), "before:2024-01-01 after:2023-01-01 budget", "after:9999-12-31 budget",
    "before:0001-01-01 budget", "after:0001-01-01 before:9999-12-31 budget", "type:QUESTION budget",
]


@pytest.mark.parametrize("q", ODD_QUERIES, ids=range(len(ODD_QUERIES)))
def test_odd_queries_never_fail_nor_leak(world, corpus, api_as, q):
    allowed = {("post", corpus["public"].id)}
    for sort in ("relevance", "date"):
        page = search(world.outsider, q, sort=sort, limit=100)
        assert {(r.type, r.id) for r in page.results if r.type in ("post", "comment", "question", "answer")} <= allowed
        # a private community is listed (its own entry), its content is not
        assert set(page.facets["community"]) <= {world.open.id, world.private.id}
        assert page.facets["community"].get(world.private.id, 0) <= 1
    response = api_as(world.outsider).get("search", q=q)
    assert response.status_code in (200, 400), (q, response.status_code)
    body = response.content.decode()
    assert "confidentiel" not in body and "Globex" not in body
    suggested = api_as(world.outsider).get("search/suggest", q=q)
    assert suggested.status_code == 200, (q, suggested.content)
    assert "confidentiel" not in suggested.content.decode()
    assert {s.type for s in suggest(world.outsider, q)} <= {"person", "community", "topic", "question"}
    similar_questions(world.outsider, q)


def test_the_odd_queries_still_find_what_they_should(world, corpus):
    public = ("post", corpus["public"].id)
    for q in ('"budget', 'budget"', "budget*", "bud*", "(budget", "budget)", "NOT budget", "budget AND",
              "budget 😀", "\u202ebudget", "budget\u200b", "budget OR", "OR budget", "l'équipe", "«marketing»",
              "budget le", "BUDGET", "bûdgét", "budget' OR '1'='1", "budget:*"):
        assert public in found(world.outsider, q), q
    assert public in found(world.outsider, "l du")  # only stop words: they are searched for
    assert found(world.outsider, "-budget budget") == set()
    assert public not in found(world.outsider, "budget -hyperion")
    assert public not in found(world.outsider, 'budget -"hyperion public"')
    assert found(world.outsider, "in:secret-club budget") == set()
    assert found(world.outsider, "in:private-club budget") == set()
    assert found(world.outsider, "from:stranger") == set()
    assert found(world.outsider, "topic:hyperion") == set()


def test_a_query_over_the_limit_is_a_clear_error(world, corpus, api_as):
    long = "budget " * 143  # 1,001 characters
    response = api_as(world.outsider).get("search", q=long[:1000])
    assert response.status_code == 400 and response.json_body["error"]["code"] == "query_too_long"
    assert "500" in response.json_body["error"]["message"]
    with pytest.raises(QueryError):
        search(world.outsider, long[:1000])
    assert api_as(world.outsider).get("search/suggest", q=long[:1000]).status_code == 400
    assert api_as(world.outsider).get("search", q=("budget " * 72)[:500]).status_code == 200
    assert similar_questions(world.outsider, long * 10) == []  # long texts are cut, not refused
    page = api_as(world.outsider).get("/search", q=long[:1000])
    assert page.status_code == 200 and "500" in page.content.decode()


@pytest.mark.parametrize("params", [
    {"q": "budget\x00"}, {"q": "budget", "type": "post\x00"}, {"q": "budget", "community": "\x00"},
    {"q": "budget", "author": "x\x00"}, {"q": "budget", "cursor": "\x00"}, {"q": "budget", "topic": "\x00"},
])
def test_nul_characters_are_refused(world, api_as, params):
    assert api_as(world.outsider).get("search", **params).status_code == 400


@pytest.mark.parametrize("params", [
    {"community": "secret-club"}, {"community": "private-club"}, {"community": "999999999999999999999"},
    {"community": "-1"}, {"community": "²"}, {"community": "٣"}, {"community": "0"}, {"author": "²"},
    {"author": "-5"}, {"author": "stranger"}, {"author": "999999999999999999999"}, {"topic": "globexonly"},
    {"topic": "#hyperion"}, {"type": "comment"}, {"type": "answer"}, {"type": "topic"}, {"type": "question"},
    {"cursor": "bzoxMDAwMDAw"}, {"cursor": "WyJvIiwgMTAwMDBd"}, {"before": "9999-12-31"}, {"after": "0001-01-01"},
    {"after": "9999-12-31"}, {"before": "0001-01-01"}, {"sort": "date"}, {"limit": "99999999999999999999999"},
])
def test_api_filters_never_fail_nor_leak(world, corpus, api_as, page_as, params):
    assert page_as(world.outsider).get("/search", {"q": "hyperion", **params}).status_code == 200
    response = api_as(world.outsider).get("search", q="hyperion", **params)
    assert response.status_code in (200, 400), response.content
    assert "confidentiel" not in response.content.decode() and "Globex" not in response.content.decode()
    if response.status_code == 200:
        facets = response.json_body["facets"]
        assert set(facets["community"]) <= {str(world.open.id), str(world.private.id)}
        assert facets["type"].get("post", 0) <= 1 and not facets["type"].get("comment")
        assert not facets["type"].get("answer") and not facets["type"].get("question")


# ------------------------------------------------------------------ leaks, persona by persona


@pytest.mark.parametrize("persona", ["outsider", "requester", "stranger", "admin", "anonymous"])
def test_closed_content_never_shows_through_results_facets_snippets_or_suggestions(world, corpus, persona,
                                                                                     api_as, page_as):
    viewer = None if persona == "anonymous" else getattr(world, persona)
    closed = {("post", corpus["private"].id), ("post", corpus["secret"].id),
              ("comment", corpus["secret_comment"].id), ("question", corpus["secret_question"].id),
              ("answer", corpus["secret_answer"].id)}
    if persona != "stranger":
        closed.add(("post", corpus["other"].id))
    else:  # and the stranger sees nothing of acme, not even its open content
        closed.add(("post", corpus["public"].id))
    topics = {"hyperion"} if persona == "stranger" else {"hyperion", "globexonly"}
    for q in ("hyperion", "confidentiel", "budget", "hyper*", "type:question hyperion", "topic:hyperion",
              "in:secret-club", "in:private-club", "", "from:member", "globexonly", "secret"):
        for sort in ("relevance", "date"):
            try:
                page = search(viewer, q, sort=sort, limit=100)
            except QueryError:
                continue
            got = {(r.type, r.id) for r in page.results}
            assert not got & closed, (persona, q)
            assert world.secret.id not in page.facets["community"], (persona, q)
            assert page.facets["community"].get(world.private.id, 0) <= 1, (persona, q)  # the community itself
            for r in page.results:
                assert "confidentiel" not in r.snippet and "confidentiel" not in r.title, (persona, q)
                assert r.type != "community" or r.id not in (world.secret.id,), (persona, q)
                assert r.type != "topic" or r.title not in topics, (persona, q)
        assert not [s for s in suggest(viewer, q) if "onfidentiel" in s.label or s.label.lstrip("#") in topics]
    assert not [s for s in suggest(viewer, "secret") if s.type == "community"]
    assert [r.id for r in similar_questions(viewer, "Hyperion confidentiel : quel budget ?")] == []
    if viewer is None:
        assert api_as(None).get("search", q="hyperion").status_code == 401
        assert api_as(None).get("search/suggest", q="hyperion").status_code == 401
        return
    for path in ("search", "search/suggest"):
        body = api_as(viewer).get(path, q="hyperion").content.decode()
        assert "confidentiel" not in body and "#hyperion" not in body, (persona, path)
    html = page_as(viewer).get("/search", {"q": "hyperion"}).content.decode()
    assert "confidentiel" not in html and "Secret Club" not in html


def test_members_find_their_closed_content_and_facets_count_it(world, corpus):
    page = search(world.member, "confidentiel", limit=100)
    got = {(r.type, r.id) for r in page.results}
    assert {("post", corpus["private"].id), ("post", corpus["secret"].id), ("comment", corpus["secret_comment"].id),
            ("question", corpus["secret_question"].id), ("answer", corpus["secret_answer"].id)} <= got
    assert page.facets["community"] == {world.private.id: 1, world.secret.id: 4}
    assert ("post", corpus["other"].id) not in found(world.member, "globex")
    assert ("topic", "#hyperion") in {(s.type, s.label) for s in suggest(world.member, "hyper")}
    # the stranger finds their own network's post and nothing of acme's
    assert found(world.stranger, "hyperion") == {("post", corpus["other"].id)}
    assert found(world.stranger, "globexonly") == {("post", corpus["other"].id),
                                                   ("topic", _topic_id(world.other_network, "globexonly"))}
    assert found(world.member, "globexonly") == set()


def _topic_id(network, name):
    from essaim.stream.models import Topic

    return Topic.objects.get(network=network, name=name).id


# ------------------------------------------------------------------ the index follows the writes


def test_edit_replaces_the_words(world, post_in, indexed):
    post = indexed(lambda: post_in("open", "Ancienne formulation pamplemousse"))
    comment = indexed(lambda: stream.do_create_comment(post, world.owner, "commentaire clementine"))
    indexed(lambda: stream.do_edit_post(post, "Nouvelle rédaction mandarine", acting_user=world.member))
    indexed(lambda: stream.do_edit_comment(comment, "commentaire kumquat", acting_user=world.owner))
    assert found(world.outsider, "pamplemousse") == set()
    assert found(world.outsider, "mandarine") == {("post", post.id)}
    assert found(world.outsider, "clementine") == set()
    assert found(world.outsider, "kumquat") == {("comment", comment.id)}
    [result] = search(world.outsider, "mandarine").results
    assert "<mark>mandarine</mark>" in result.snippet and "pamplemousse" not in result.snippet


def test_question_and_answer_edits(world, indexed):
    question = indexed(lambda: questions.do_ask_question(world.member, "Où est la photocopieuse ?", "Au rez",
                                                         community=world.open))
    answer = indexed(lambda: questions.do_answer_question(question, world.owner, "Au sous-sol, près du cactus"))
    indexed(lambda: questions.do_edit_answer(answer, "Au deuxième étage, près du ficus", acting_user=world.owner))
    assert found(world.outsider, "cactus") == set()
    assert found(world.outsider, "ficus") == {("answer", answer.id)}
    indexed(lambda: questions.do_delete_answer(answer, acting_user=world.owner))
    assert found(world.outsider, "ficus") == set()
    assert suggest(world.outsider, "photoco")[0].id == question.id


def test_deletion_removes_the_post_its_comments_and_answers(world, post_in, indexed):
    post = indexed(lambda: post_in("open", "Annonce papaye"))
    comment = indexed(lambda: stream.do_create_comment(post, world.owner, "papaye aussi"))
    question = indexed(lambda: questions.do_ask_question(world.member, "Papaye ou mangue ?", "Choix",
                                                         community=world.open))
    answer = indexed(lambda: questions.do_answer_question(question, world.owner, "papaye évidemment"))
    assert len(found(world.outsider, "papaye")) == 4
    indexed(lambda: stream.do_delete_comment(comment, acting_user=world.owner))
    assert ("comment", comment.id) not in found(world.outsider, "papaye")
    stream.do_delete_post(post, acting_user=world.member)
    stream.do_delete_post(question, acting_user=world.member)
    # gone at once (the visibility filter), and from the index once the jobs ran
    assert found(world.outsider, "papaye") == set()
    assert search(world.outsider, "papaye").facets == {"type": {}, "community": {}}
    assert suggest(world.outsider, "papay") == []
    indexed()
    assert not SearchEntry.objects.filter(post_id__in=[post.id, question.id]).exists()
    assert not SearchEntry.objects.filter(type="answer", object_id=answer.id).exists()


def test_visibility_changes_apply_at_once(world, post_in, indexed, django_capture_on_commit_callbacks):
    post = indexed(lambda: post_in("open", "Planning kiwi du trimestre #kiwi"))
    assert found(world.outsider, "kiwi") >= {("post", post.id)}
    communities.do_update_community(world.open, visibility="private", acting_user=world.owner)
    assert found(world.outsider, "kiwi") == set()  # before any job ran
    assert suggest(world.outsider, "kiw") == []
    assert ("post", post.id) in found(world.member, "kiwi")
    communities.do_update_community(world.open, visibility="secret", acting_user=world.owner)
    assert ("community", world.open.id) not in found(world.outsider, "club")
    assert ("community", world.open.id) in found(world.member, "club")
    run_jobs()
    communities.do_update_community(world.open, visibility="open", acting_user=world.owner)
    assert ("post", post.id) in found(world.outsider, "kiwi")
    assert ("community", world.open.id) in found(world.outsider, "club")
    assert ("topic", "#kiwi") in {(s.type, s.label) for s in suggest(world.outsider, "kiw")}


def test_renamed_community_is_found_by_its_new_name(world, indexed):
    indexed(lambda: communities.do_update_community(world.open, name="Tournesol", description="Fleurs",
                                                    acting_user=world.owner))
    assert ("community", world.open.id) in found(world.outsider, "tournesol")
    assert [r.title for r in search(world.outsider, "tournesol").results] == ["Tournesol"]
    assert ("community", "Tournesol") in {(s.type, s.label) for s in suggest(world.outsider, "tourn")}


def test_member_removal_applies_at_once(world, post_in, indexed):
    post = indexed(lambda: post_in("private", "Chiffres litchi", author=world.owner))
    assert ("post", post.id) in found(world.member, "litchi")
    communities.do_remove_member(world.private, world.member, acting_user=world.owner)
    assert found(world.member, "litchi") == set()
    assert suggest(world.member, "litch") == []
    assert ("post", post.id) in found(world.moderator, "litchi")


def test_approved_requester_finds_the_content_at_once(world, post_in, indexed):
    from essaim.communities.models import JoinRequest

    post = indexed(lambda: post_in("private", "Compte rendu myrtille"))
    assert found(world.requester, "myrtille") == set()
    communities.do_decide_request(JoinRequest.objects.get(user=world.requester, community=world.private),
                                  approve=True, acting_user=world.owner)
    assert ("post", post.id) in found(world.requester, "myrtille")


def test_deactivated_person_is_gone_but_their_posts_stay(world, post_in, indexed):
    post = indexed(lambda: post_in("open", "Rapport goyave"))
    assert ("person", world.member.id) in found(world.outsider, "member")
    accounts.do_deactivate_user(world.member, acting_user=world.admin)
    assert ("person", world.member.id) not in found(world.outsider, "member")
    assert ("person", world.member.id) not in found(world.outsider, "type:person member")
    assert [s for s in suggest(world.outsider, "memb") if s.type == "person"] == []
    assert ("post", post.id) in found(world.outsider, "goyave")
    accounts.do_reactivate_user(world.member, acting_user=world.admin)
    assert ("person", world.member.id) in found(world.outsider, "member")


def test_profile_changes_replace_the_words(world, indexed):
    indexed(lambda: accounts.do_update_profile(world.outsider, job_title="Chef de rayon", acting_user=world.outsider))
    assert ("person", world.outsider.id) in found(world.member, "rayon")
    indexed(lambda: accounts.do_update_profile(world.outsider, job_title="Comptable", acting_user=world.outsider))
    assert ("person", world.outsider.id) not in found(world.member, "rayon")
    assert ("person", world.outsider.id) in found(world.member, "comptable")
