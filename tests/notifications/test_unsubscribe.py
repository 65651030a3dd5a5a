"""Unsubscribe links: a confirmation page on GET (no change), one-click POST per RFC 8058 without
session or CSRF token, exactly one setting of exactly one person changed; bad tokens change nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from essaim.notifications import actions, emails, queries
from essaim.notifications.models import KindChannel, NotificationSettings

pytestmark = pytest.mark.django_db


def snapshot():
    return (sorted(KindChannel.objects.values_list("user_id", "kind", "channel")),
            sorted(NotificationSettings.objects.values_list("user_id", "digest", "email_delay_minutes")))


def one_click(path):
    return Client(enforce_csrf_checks=True).post(path, "List-Unsubscribe=One-Click",
                                                 content_type="application/x-www-form-urlencoded")


def test_the_page_shows_what_stops_and_changes_nothing_on_get(world):
    path = f"/unsubscribe/{emails.unsubscribe_token(world.member.id, 'mention')}/"
    before = snapshot()
    response = Client().get(path)
    body = response.content.decode()
    assert response.status_code == 200
    assert "For Member:" in body and "E-mails about “Mentioned you” stop." in body
    assert f'<form method="post" action="{path}">' in body and '<button type="submit"' in body
    assert "<script>" not in body
    assert snapshot() == before


def test_the_pages_button_posts_the_one_click_body_and_other_posts_change_nothing(world):
    path = f"/unsubscribe/{emails.unsubscribe_token(world.member.id, 'mention')}/"
    body = Client().get(path).content.decode()
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in body
    assert Client(enforce_csrf_checks=True).post(path, {}).status_code == 400  # a bare POST: nothing happens
    assert queries.preferences_of(world.member).channels["mention"] == "email"
    assert Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert queries.preferences_of(world.member).channels["mention"] == "app"


def test_one_click_works_without_session_or_csrf_and_changes_one_setting(world):
    actions.do_update_notification_settings(world.member, channels={"comment": "email"}, email_delay_minutes=5,
                                            acting_user=world.member)
    actions.do_update_notification_settings(world.owner, channels={"mention": "email", "comment": "email"},
                                            acting_user=world.owner)
    before = queries.preferences_of(world.member)
    owner_before = queries.preferences_of(world.owner)
    response = one_click(f"/unsubscribe/{emails.unsubscribe_token(world.member.id, 'mention')}/")
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    after = queries.preferences_of(world.member)
    assert after.channels == {**before.channels, "mention": "app"}
    assert (after.email_delay_minutes, after.digest) == (before.email_delay_minutes, before.digest)
    assert queries.preferences_of(world.owner) == owner_before
    # Again: still the same single change.
    assert one_click(f"/unsubscribe/{emails.unsubscribe_token(world.member.id, 'mention')}/").status_code == 200
    assert queries.preferences_of(world.member) == after


def test_the_digest_token_stops_the_digest_only(world):
    before = queries.preferences_of(world.member)
    assert one_click(f"/unsubscribe/{emails.unsubscribe_token(world.member.id, 'digest')}/").status_code == 200
    after = queries.preferences_of(world.member)
    assert after.digest == "never" and after.channels == before.channels
    assert NotificationSettings.objects.get(user=world.member).email_delay_minutes == 10


def test_an_off_kind_stays_off(world):
    actions.do_update_notification_settings(world.member, channels={"reaction": "off"}, acting_user=world.member)
    one_click(f"/unsubscribe/{emails.unsubscribe_token(world.member.id, 'reaction')}/")
    assert queries.preferences_of(world.member).channels["reaction"] == "off"


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature altered
    lambda t: t.replace("eyJ", "eyK", 1),  # payload altered
    lambda t: "nothing-here",
    lambda t: t.split(":")[0],  # no signature
])
def test_a_tampered_token_is_404_and_changes_nothing(world, mangle):
    token = mangle(emails.unsubscribe_token(world.member.id, "mention"))
    before = snapshot()
    for response in (Client().get(f"/unsubscribe/{token}/"), one_click(f"/unsubscribe/{token}/")):
        assert response.status_code == 404
        assert "This unsubscribe link is not valid" in response.content.decode()
    assert snapshot() == before


def test_tokens_of_other_salts_or_unknown_kinds_or_people_are_refused(world):
    from django.core import signing

    other_salt = signing.Signer(salt="essaim.other").sign_object({"u": world.member.id, "k": "mention"})
    unknown_kind = signing.Signer(salt=emails.UNSUBSCRIBE_SALT).sign_object({"u": world.member.id, "k": "everything"})
    nobody = emails.unsubscribe_token(999_999, "mention")
    for token in (other_salt, unknown_kind, nobody):
        assert one_click(f"/unsubscribe/{token}/").status_code == 404
    assert snapshot() == ([], [])


def test_the_page_speaks_the_persons_language(world):
    from essaim.accounts import actions as accounts

    accounts.do_update_profile(world.member, acting_user=world.member, language="fr")
    response = Client().get(f"/unsubscribe/{emails.unsubscribe_token(world.member.id, 'digest')}/")
    assert '<html lang="fr"' in response.content.decode()
