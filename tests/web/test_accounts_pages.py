"""The account pages as people use them: invitations, password reset, the directory, profiles,
settings (profile, picture, password, tokens) and the administrators' pages."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone
from PIL import Image

from essaim.accounts import actions as accounts
from essaim.accounts.models import Follow, Invitation, User
from essaim.core.models import Activity

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # the personas' password (tests/conftest.py)
NEW_PASSWORD = "violet mountain river 2024"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def as_user(user=None, host="testserver") -> Client:
    client = Client(HTTP_HOST=host)
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def without_csrf(body: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def can_sign_in(email: str, password: str) -> bool:
    return Client().post("/login/", {"email": email, "password": password}).status_code == 302


def profile_data(user, **changes) -> dict:
    data = {"display_name": user.display_name, "handle": user.handle, "job_title": user.job_title,
            "department": user.department, "organization": user.organization.name if user.organization else "",
            "location": user.location, "phone": user.phone, "bio": user.bio, "language": user.language,
            "skills": ", ".join(s.name for s in user.skills.all())}
    data.update(changes)
    return data


def jpeg_with_exif(size=(800, 600)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    exif[0x0131] = "SecretSoftware"     # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


# Invitations

def invite(admin_client: Client, email: str, django_capture_on_commit_callbacks) -> str:
    """Invite through the admin page; return the link's path, read from the e-mail."""
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/people/", {"email": email})
    assert response.status_code == 201
    message = mail.outbox[-1]
    assert message.to == [email]
    path = re.search(r"/invitations/[^/\s\"]+/", message.body).group(0)
    assert path in text(response)  # the link is also shown to the administrator
    assert path in message.alternatives[0][0]  # and in the HTML part
    return path


def test_invited_person_creates_an_account_and_is_signed_in(world, django_capture_on_commit_callbacks):
    path = invite(as_user(world.admin), "camille@acme.test", django_capture_on_commit_callbacks)
    assert "Netadmin invites you to Acme" in mail.outbox[-1].subject
    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and 'name="display_name"' in text(page)
    response = client.post(path, {"display_name": "Camille Martin", "password": NEW_PASSWORD,
                                  "password_again": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/settings/profile/"
    camille = User.objects.get(network=world.network, email="camille@acme.test")
    assert camille.display_name == "Camille Martin"
    assert client.get("/people/").status_code == 200  # signed in
    assert can_sign_in("camille@acme.test", NEW_PASSWORD)


def test_an_invitation_works_only_once(world, django_capture_on_commit_callbacks):
    path = invite(as_user(world.admin), "camille@acme.test", django_capture_on_commit_callbacks)
    Client().post(path, {"display_name": "Camille", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    again = Client().get(path)
    assert again.status_code == 410 and "already been used" in text(again)
    post_again = Client().post(path, {"display_name": "Intruder", "password": NEW_PASSWORD,
                                      "password_again": NEW_PASSWORD})
    assert post_again.status_code == 410
    assert User.objects.filter(network=world.network, email="camille@acme.test").count() == 1


def test_an_expired_invitation_is_refused(world):
    invitation, raw = accounts.do_invite_person(world.network, "late@acme.test", acting_user=world.admin)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().post(f"/invitations/{raw}/", {"display_name": "Late", "password": NEW_PASSWORD,
                                                      "password_again": NEW_PASSWORD})
    assert response.status_code == 410 and "expired" in text(response)
    assert not User.objects.filter(email="late@acme.test").exists()


def test_a_wrong_invitation_token_is_not_found(world):
    accounts.do_invite_person(world.network, "someone@acme.test", acting_user=world.admin)
    response = Client().get("/invitations/not-a-real-token/")
    assert response.status_code == 404 and "not valid" in text(response)


def test_an_invitation_of_another_network_does_not_work_here(world):
    User.objects.filter(pk=world.stranger.pk).update(is_admin=True)
    world.stranger.is_admin = True
    _invitation, raw = accounts.do_invite_person(world.other_network, "x@globex.test", acting_user=world.stranger)
    assert Client().get(f"/invitations/{raw}/").status_code == 404
    assert Client(HTTP_HOST="globex.test").get(f"/invitations/{raw}/").status_code == 200


def test_accepting_with_a_weak_password_explains_and_creates_nothing(world):
    _invitation, raw = accounts.do_invite_person(world.network, "weak@acme.test", acting_user=world.admin)
    response = Client().post(f"/invitations/{raw}/", {"display_name": "Weak", "password": "1234567890",
                                                      "password_again": "1234567890"})
    assert response.status_code == 422
    assert 'class="errors"' in text(response)
    assert not User.objects.filter(email="weak@acme.test").exists()
    assert Client().get(f"/invitations/{raw}/").status_code == 200  # still usable


def test_inviting_someone_already_here_is_a_clear_error(world):
    response = as_user(world.admin).post("/admin/people/", {"email": world.member.email})
    assert response.status_code == 422 and "already uses this e-mail" in text(response)


# Password reset

def test_password_reset_by_email_end_to_end(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/password/reset/", {"email": world.member.email})
    assert response.status_code == 200 and "Check your e-mail" in text(response)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.member.email]
    assert mail.outbox[0].subject == "Choose a new password for Acme"
    path = re.search(r"/password/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)
    client = Client()
    assert client.get(path).status_code == 200
    response = client.post(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert can_sign_in(world.member.email, NEW_PASSWORD)
    assert not can_sign_in(world.member.email, PASSWORD)
    # The link worked once.
    assert Client().get(path).status_code == 410


def test_password_reset_says_the_same_for_unknown_addresses_and_sends_nothing(world,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        known = Client().post("/password/reset/", {"email": world.member.email})
        unknown = Client().post("/password/reset/", {"email": "nobody@acme.test"})
        stranger = Client().post("/password/reset/", {"email": world.stranger.email})  # another network
    assert known.status_code == unknown.status_code == stranger.status_code == 200
    assert (without_csrf(text(known)).replace(world.member.email, "X")
            == without_csrf(text(unknown)).replace("nobody@acme.test", "X"))
    assert [m.to for m in mail.outbox] == [[world.member.email]]


def test_a_tampered_reset_link_is_refused(world):
    response = Client().get("/password/reset/Mg/abc-123/")
    assert response.status_code == 410 and "not valid any more" in text(response)
    response = Client().post("/password/reset/Mg/abc-123/", {"password": NEW_PASSWORD,
                                                             "password_again": NEW_PASSWORD})
    assert response.status_code == 410
    assert can_sign_in(world.member.email, PASSWORD)


# Directory

@pytest.fixture
def described(world):
    accounts.do_update_profile(world.owner, acting_user=world.owner, department="Sales", organization="Acme SA",
                               location="Lyon", job_title="Account manager", skills=["negotiation", "German"])
    accounts.do_update_profile(world.member, acting_user=world.member, department="Engineering",
                               organization="Acme Labs", location="Paris", skills=["python"])
    accounts.do_update_profile(world.moderator, acting_user=world.moderator, department="Engineering",
                               organization="Acme SA", location="Lyon", skills=["python", "german"])
    return world


def names_in(response) -> set[str]:
    return set(re.findall(r'<a href="/people/\d+/"><strong>([^<]+)</strong></a>', text(response)))


def test_directory_lists_active_people_of_this_network_only(described):
    world = described
    accounts.do_deactivate_user(world.requester, acting_user=world.admin)
    response = as_user(world.member).get("/people/")
    assert response.status_code == 200
    assert names_in(response) == {"Netadmin", "Owner", "Moderator", "Member", "Outsider"}


@pytest.mark.parametrize("query, expected", [
    ({"q": "mod"}, {"Moderator"}),
    ({"q": "@own"}, {"Owner"}),
    ({"department": "engineering"}, {"Member", "Moderator"}),
    ({"organization": "Acme SA"}, {"Owner", "Moderator"}),
    ({"skill": "German"}, {"Owner", "Moderator"}),
    ({"location": "lyon"}, {"Owner", "Moderator"}),
    ({"department": "Engineering", "skill": "german"}, {"Moderator"}),
    ({"skill": "cobol"}, set()),
])
def test_directory_filters(described, query, expected):
    response = as_user(described.outsider).get("/people/", query)
    assert response.status_code == 200
    assert names_in(response) == expected
    if not expected:
        assert "Nobody matches these filters." in text(response)


def test_directory_pages_with_a_cursor(world):
    for n in range(30):
        accounts.do_create_user(world.network, email=f"p{n}@acme.test", display_name=f"Person {n:02d}")
    client = as_user(world.member)
    first = client.get("/people/")
    seen = names_in(first)
    assert len(seen) == 30
    next_url = re.search(r'href="([^"]*cursor=[^"]+)" rel="next"', text(first)).group(1).replace("&amp;", "&")
    second = client.get(next_url)
    rest = names_in(second)
    assert len(rest) == 6 and not (seen & rest)
    assert 'rel="next"' not in text(second)


def test_directory_refuses_a_bad_cursor_clearly(world):
    response = as_user(world.member).get("/people/", {"cursor": "garbage!"})
    assert response.status_code == 422


def test_directory_needs_a_signed_in_member(world):
    response = Client().get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# Profiles

def test_profile_shows_the_person_and_records_the_view(described):
    world = described
    response = as_user(world.member).get(f"/people/{world.owner.id}/")
    body = text(response)
    assert response.status_code == 200
    assert "Account manager" in body and "Sales" in body and "Acme SA" in body and "Lyon" in body
    assert '<a class="tag" href="/people/?skill=negotiation">negotiation</a>' in body
    assert f'aria-label="{world.owner.display_name}">{world.owner.initials}</span>' in body
    assert ">Follow<" in body
    assert 'name="profile_user" value="%d"' % world.owner.id in body  # the composer posts on this profile
    assert Activity.objects.filter(user_id=world.member.id, verb=Activity.Verb.VIEW,
                                   object_type=Activity.Object.PROFILE, object_id=world.owner.id).count() == 1


def test_profile_shows_the_profile_feed(world):
    from essaim.stream.actions import do_create_post

    do_create_post(world.member, "Hello on your wall", profile_user=world.owner)
    do_create_post(world.owner, "Secret club news", community=world.secret)
    visible = as_user(world.member).get(f"/people/{world.owner.id}/")
    assert "Hello on your wall" in text(visible) and "Secret club news" in text(visible)
    hidden = as_user(world.outsider).get(f"/people/{world.owner.id}/")
    assert "Hello on your wall" in text(hidden)
    assert "Secret club news" not in text(hidden)


def test_profiles_of_other_networks_and_missing_ids_are_the_same_404(world):
    client = as_user(world.member)
    other = client.get(f"/people/{world.stranger.id}/")
    missing = client.get("/people/999999/")
    assert other.status_code == missing.status_code == 404
    assert "Stranger" not in text(other)
    assert without_csrf(text(other)) == without_csrf(text(missing))


def test_follow_and_unfollow_from_the_profile(world):
    client = as_user(world.member)
    response = client.post(f"/people/{world.owner.id}/follow/")
    assert response.status_code == 302 and response["Location"] == f"/people/{world.owner.id}/"
    assert Follow.objects.filter(follower=world.member, followee=world.owner).exists()
    page = client.get(f"/people/{world.owner.id}/")
    assert "Following" in text(page) and "You follow Owner" in text(page)
    assert client.get(f"/people/{world.owner.id}/follow/").status_code == 405
    client.post(f"/people/{world.owner.id}/unfollow/")
    assert not Follow.objects.filter(follower=world.member, followee=world.owner).exists()


def test_following_yourself_or_a_stranger_is_refused(world):
    client = as_user(world.member)
    response = client.post(f"/people/{world.member.id}/follow/", follow=True)
    assert "cannot follow yourself" in text(response)
    assert client.post(f"/people/{world.stranger.id}/follow/").status_code == 404
    assert not Follow.objects.filter(follower=world.member).exists()


def test_initials_avatar_is_an_svg_for_members_only(world):
    response = as_user(world.member).get(f"/people/{world.owner.id}/avatar.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "max-age" in response["Cache-Control"]
    assert response.content.startswith(b"<svg") and b">O</text>" in response.content
    other = as_user(world.member).get(f"/people/{world.moderator.id}/avatar.svg").content
    assert re.search(rb'fill="(#[0-9a-f]{6})"', other).group(1) != re.search(
        rb'fill="(#[0-9a-f]{6})"', response.content).group(1)  # a colour per person
    assert Client().get(f"/people/{world.owner.id}/avatar.svg").status_code == 404
    assert as_user(world.stranger, host="globex.test").get(f"/people/{world.owner.id}/avatar.svg").status_code == 404


def test_avatar_tag_prefers_upload_then_gravatar_then_initials(world):
    template = Template("{% load essaim_accounts %}{% avatar person 40 %}")
    request = RequestFactory().get("/")
    request.network = world.network
    html = template.render(Context({"person": world.owner, "request": request}))
    assert 'class="avatar initials" role="img" aria-label="Owner">O</span>' in html
    accounts.do_update_network_settings(world.network, acting_user=world.admin, gravatar_enabled=True)
    html = template.render(Context({"person": world.owner, "request": request}))
    assert f"https://www.gravatar.com/avatar/{world.owner.email_hash}" in html
    accounts.do_set_avatar(world.owner, SimpleUploadedFile("a.jpg", jpeg_with_exif()), acting_user=world.owner)
    html = template.render(Context({"person": world.owner, "request": request}))
    assert 'src="/media/avatars/' in html
    decorative = Template("{% load essaim_accounts %}{% avatar person 'large' decorative=True %}")
    html = decorative.render(Context({"person": world.owner, "request": request}))
    assert 'alt=""' in html and 'class="avatar large"' in html and 'width="96"' in html


# Profile settings

def test_edit_profile_fields_and_skills(world):
    client = as_user(world.member)
    assert client.get("/settings/profile/").status_code == 200
    response = client.post("/settings/profile/", profile_data(
        world.member, display_name="Maya Member", job_title="Data engineer", department="Engineering",
        organization="Acme Labs", skills="Python, SQL ,  python, data  science", bio="Hi <b>there</b>",
        handle="maya"))
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert world.member.display_name == "Maya Member" and world.member.handle == "maya"
    assert world.member.organization.name == "Acme Labs"
    assert sorted(s.name for s in world.member.skills.all()) == ["data science", "python", "sql"]
    page = client.get("/settings/profile/")
    assert 'value="data science, python, sql"' in text(page)
    profile = text(client.get(f"/people/{world.member.id}/"))
    assert "Hi &lt;b&gt;there&lt;/b&gt;" in profile  # shown harmlessly


def test_edit_profile_refuses_a_taken_handle_and_changes_nothing(world):
    client = as_user(world.member)
    response = client.post("/settings/profile/", profile_data(world.member, handle="owner", job_title="Changed"))
    assert response.status_code == 422 and "already taken" in text(response)
    world.member.refresh_from_db()
    assert world.member.handle == "member" and world.member.job_title == ""
    response = client.post("/settings/profile/", profile_data(world.member, handle="not a handle!"))
    assert response.status_code == 422
    response = client.post("/settings/profile/", profile_data(world.member, display_name=""))
    assert response.status_code == 422


def test_edit_profile_refuses_too_many_skills(world):
    skills = ", ".join(f"skill{n}" for n in range(60))
    response = as_user(world.member).post("/settings/profile/", profile_data(world.member, skills=skills))
    assert response.status_code == 422 and "At most 50 skills" in text(response)
    assert not world.member.skills.exists()


def test_avatar_upload_is_a_256_png_without_metadata(world):
    client = as_user(world.member)
    upload = SimpleUploadedFile("holiday.jpg", jpeg_with_exif(), content_type="image/jpeg")
    response = client.post("/settings/profile/", {**profile_data(world.member), "avatar": upload})
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert world.member.avatar.name.endswith(".png")
    with world.member.avatar.open("rb") as fh:
        stored = fh.read()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "PNG" and image.size == (256, 256)
    assert not image.getexif() and "exif" not in image.info
    assert b"SecretCameraMaker" not in stored and b"SecretSoftware" not in stored
    page = text(client.get(f"/people/{world.member.id}/"))
    assert f'src="{world.member.avatar.url}"' in page


def test_a_non_image_upload_is_refused_clearly_and_changes_nothing(world):
    client = as_user(world.member)
    upload = SimpleUploadedFile("cv.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")
    response = client.post("/settings/profile/", {**profile_data(world.member, job_title="Changed"),
                                                  "avatar": upload})
    assert response.status_code == 422
    assert "not a picture we can read" in text(response)
    world.member.refresh_from_db()
    assert not world.member.avatar and world.member.job_title == ""


def test_remove_the_avatar(world):
    accounts.do_set_avatar(world.member, SimpleUploadedFile("a.jpg", jpeg_with_exif()), acting_user=world.member)
    client = as_user(world.member)
    assert "Remove my picture" in text(client.get("/settings/profile/"))
    client.post("/settings/profile/", {**profile_data(world.member), "remove_avatar": "on"})
    world.member.refresh_from_db()
    assert not world.member.avatar


def test_language_choice_overrides_the_browser(world):
    client = as_user(world.member)
    client.post("/settings/profile/", profile_data(world.member, language="fr"))
    page = client.get("/people/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="fr"' in text(page)
    client.post("/settings/profile/", profile_data(world.member, language=""))
    assert '<html lang="en"' in text(client.get("/people/", HTTP_ACCEPT_LANGUAGE="en"))
    response = client.post("/settings/profile/", profile_data(world.member, language="klingon"))
    assert response.status_code == 422


# Tokens

def test_create_a_token_shown_once_then_revoke_it(world):
    client = as_user(world.member)
    response = client.post("/settings/tokens/", {"name": "CRM", "scopes": ["read", "write"]})
    assert response.status_code == 201
    raw = re.search(r"(ess_[A-Za-z0-9_-]+)", text(response)).group(1)
    assert response["Cache-Control"] == "no-store"
    token = accounts.find_token(raw)
    assert token is not None and token.user_id == world.member.id and token.scope_set == {"read", "write"}
    page = text(client.get("/settings/tokens/"))
    assert raw not in page and token.prefix in page and "CRM" in page
    client.post(f"/settings/tokens/{token.id}/revoke/")
    assert accounts.find_token(raw) is None
    assert token.prefix not in text(client.get("/settings/tokens/"))


def test_token_form_refuses_no_scope_and_admin_scope_for_non_admins(world):
    client = as_user(world.member)
    assert client.post("/settings/tokens/", {"name": "x"}).status_code == 422
    assert client.post("/settings/tokens/", {"name": "x", "scopes": ["admin"]}).status_code == 422
    assert not world.member.api_tokens.exists()


def test_nobody_revokes_someone_elses_token(world):
    token, raw = accounts.do_create_token(world.owner, scopes=["read"], acting_user=world.owner)
    assert as_user(world.member).post(f"/settings/tokens/{token.id}/revoke/").status_code == 404
    assert accounts.find_token(raw) is not None


# Administration

@pytest.mark.parametrize("path", ["/admin/people/", "/admin/network/"])
def test_admin_pages_are_for_administrators_only(world, path):
    assert as_user(world.owner).get(path).status_code == 403
    assert as_user(world.owner).post(path, {"email": "x@acme.test", "name": "Hacked"}).status_code == 403
    assert Client().get(path).status_code == 302
    assert as_user(world.admin).get(path).status_code == 200
    world.network.refresh_from_db()
    assert world.network.name == "Acme" and not Invitation.objects.exists()


def test_non_admins_cannot_deactivate_or_promote(world):
    client = as_user(world.owner)
    assert client.post(f"/admin/people/{world.member.id}/deactivate/").status_code == 403
    assert client.post(f"/admin/people/{world.owner.id}/make-admin/").status_code == 403
    world.member.refresh_from_db()
    world.owner.refresh_from_db()
    assert world.member.is_active and not world.owner.is_admin


def test_admin_deactivates_reactivates_and_promotes(world):
    client = as_user(world.admin)
    page = text(client.get("/admin/people/"))
    assert world.member.email in page and world.stranger.email not in page
    client.post(f"/admin/people/{world.member.id}/deactivate/")
    world.member.refresh_from_db()
    assert not world.member.is_active
    assert "Deactivated" in text(client.get("/admin/people/", {"q": "member"}))
    client.post(f"/admin/people/{world.member.id}/reactivate/")
    client.post(f"/admin/people/{world.member.id}/make-admin/")
    world.member.refresh_from_db()
    assert world.member.is_active and world.member.is_admin
    assert client.post(f"/admin/people/{world.stranger.id}/deactivate/").status_code == 404
    assert client.post(f"/admin/people/{world.member.id}/explode/").status_code == 404


def test_admin_cannot_lock_themselves_out(world):
    client = as_user(world.admin)
    response = client.post(f"/admin/people/{world.admin.id}/deactivate/", follow=True)
    assert "cannot deactivate your own account" in text(response)
    response = client.post(f"/admin/people/{world.admin.id}/remove-admin/", follow=True)
    assert "cannot remove your own administrator role" in text(response)
    world.admin.refresh_from_db()
    assert world.admin.is_active and world.admin.is_admin


def test_admin_network_settings(world):
    client = as_user(world.admin)
    page = text(client.get("/admin/network/"))
    assert "gravatar.com" in page  # the privacy warning
    response = client.post("/admin/network/", {"name": "Acme Group", "restrict_community_creation": "on",
                                               "gravatar_enabled": "on"})
    assert response.status_code == 302
    world.network.refresh_from_db()
    assert world.network.name == "Acme Group" and world.network.restrict_community_creation
    assert world.network.gravatar_enabled and not world.network.all_company_announcements_only
    directory = text(as_user(world.member).get("/people/"))
    assert "https://www.gravatar.com/avatar/" in directory
    assert client.post("/admin/network/", {"name": ""}).status_code == 422


def test_a_too_long_profile_field_is_named_in_words(world):
    from essaim.core.errors import InvalidInput

    try:
        accounts.do_update_profile(world.member, acting_user=world.member, job_title="x" * 121)
    except InvalidInput as exc:
        assert exc.message == "Job title is too long (at most 120 characters)."
    else:
        raise AssertionError("a 121-character job title was accepted")


def test_a_refusal_page_says_why_once(world):
    client = as_user(world.member)
    response = client.post(f"/communities/{world.open.id}/edit/", {"name": "Taken over"})
    body = text(response)
    assert response.status_code == 403
    assert body.count("You are not allowed to do this.") == 1
