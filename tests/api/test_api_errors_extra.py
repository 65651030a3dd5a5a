"""Errors the API gives outside its routes and in the token owner's language."""

from essaim.accounts import actions as accounts


def test_unknown_paths_under_api_answer_json_404(world, api_as):
    for path in ("/api/v1/nope", "/api/v1/posts/1%2F2", "/api/v2/feed", "/api/"):
        response = api_as(world.member).get(path)
        assert response.status_code == 404, path
        assert response.json_body["error"]["code"] == "not_found"


def test_errors_come_in_the_token_owners_language(world, api_as):
    accounts.do_update_profile(world.member, acting_user=world.member, language="fr")
    _token, raw = accounts.do_create_token(world.member, scopes=["read"], acting_user=world.member)
    french = api_as(token=raw).get("feed", limit=0)
    english = api_as(world.owner).get("feed", limit=0)
    assert french.status_code == english.status_code == 422
    assert english.json_body["error"]["message"] == "The input is not valid."
    assert french.json_body["error"]["message"] == "Les données saisies ne sont pas valides."
