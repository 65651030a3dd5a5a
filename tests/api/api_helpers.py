"""Assertions and page walking shared by the REST API tests."""

from __future__ import annotations

import json

# Emoji, right-to-left script, combining accents (e + U+0301, n + U+0303): what people really type.
UNICODE_TEXT = "Cafe\u0301 \U0001f41d\U0001f389 \u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd N\u0303andu"

NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "details": None}}


def error_code(response) -> str | None:
    body = response.json_body or {}
    return (body.get("error") or {}).get("code")


def assert_error(response, status: int, code: str | None = None) -> None:
    """A JSON error with the right status (and code): never an HTML page, never a 500."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json_body
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body


def assert_not_found(response) -> None:
    """Missing and invisible look exactly the same."""
    assert response.status_code == 404, (response.status_code, response.content[:500])
    assert response.json_body == NOT_FOUND


def walk(client, path: str, limit: int, **params) -> list[dict]:
    """Every item of a list, following next_cursor; fails on a repeated item or a runaway loop."""
    items, cursor, seen = [], None, set()
    for _page in range(1000):
        query = dict(params, limit=limit)
        if cursor:
            query["cursor"] = cursor
        response = client.get(path, **query)
        assert response.status_code == 200, response.content[:500]
        body = response.json_body
        assert len(body["items"]) <= limit
        for item in body["items"]:
            key = item.get("id") or (item.get("user") or {}).get("id") or json.dumps(item, sort_keys=True)
            assert key not in seen, f"{key} came twice"
            seen.add(key)
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ended")


def new_person(network, handle: str, **profile):
    """Someone more in `network` (e-mail <handle>@<network slug>.test)."""
    from essaim.accounts import actions as accounts

    display_name = profile.pop("display_name", handle.title())
    return accounts.do_create_user(network, email=f"{handle}@{network.slug}.test", display_name=display_name,
                                   handle=handle, **profile)
