import pytest

from essaim.search.models import SearchEntry
from shared_helpers import run_cli

pytestmark = pytest.mark.django_db


def test_search_api_returns_visible_results_with_facets(world, post_in, indexed, api_as):
    post = indexed(lambda: post_in("open", "Le <b>budget</b> 2025"))
    indexed(lambda: post_in("secret", "budget secret"))
    response = api_as(world.outsider).get("search", q="budget")
    assert response.status_code == 200
    body = response.json_body
    assert [r["id"] for r in body["items"]] == [str(post.id)]
    assert body["items"][0]["author"]["handle"] == "member"
    assert body["items"][0]["community"]["slug"] == "open-club"
    assert "<mark>budget</mark>" in body["items"][0]["snippet"]
    assert body["facets"] == {"type": {"post": 1}, "community": {str(world.open.id): 1}, "exact": True}
    assert "secret" not in response.content.decode()


@pytest.mark.parametrize("params,code", [
    ({"q": "x", "before": "2024-02-30"}, "invalid_date"),
    ({"q": "x", "after": "demain"}, "invalid_date"),
    ({"q": "x", "type": "video"}, "invalid_type"),
    ({"q": "x", "sort": "popular"}, "invalid_sort"),
    ({"q": "x", "limit": "0"}, "invalid_limit"),
    ({"q": "x", "limit": "101"}, "invalid_limit"),
    ({"q": "x", "limit": "ten"}, "invalid_limit"),
    ({"q": "x" * 501}, "query_too_long"),
    ({"q": "x", "cursor": "nope"}, "invalid_cursor"),
])
def test_bad_input_gets_a_clear_400(world, api_as, params, code):
    response = api_as(world.member).get("search", **params)
    assert response.status_code == 400, response.content
    assert response.json_body["error"]["code"] == code


def test_anonymous_is_refused(world, api_as):
    assert api_as(None).get("search", q="x").status_code == 401


def test_page_shows_results_and_facets_without_js(world, post_in, indexed, page_as):
    indexed(lambda: post_in("open", "Réunion <script>x</script> mensuelle"))
    response = page_as(world.outsider).get("/search", {"q": "reunion"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>Réunion</mark>" in html and "<script>x</script>" not in html
    assert "Open Club" in html and "type=post" in html
    bad = page_as(world.outsider).get("/search", {"q": "before:2024-99-01"})
    assert bad.status_code == 200 and "YYYY-MM-DD" in bad.content.decode()
    assert page_as(None).get("/search", {"q": "x"}).status_code == 302


def test_cli_reindex(world, post_in, capsys):
    post_in("company", "texte à réindexer")
    SearchEntry.objects.all().delete()
    status, out, _err = run_cli(capsys, "search", "reindex")
    assert status == 0 and "Search index rebuilt" in out
    assert SearchEntry.objects.filter(type="post").exists()
    assert SearchEntry.objects.filter(type="person", object_id=world.outsider.id).exists()
