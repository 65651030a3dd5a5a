"""Uploaded files in S3-compatible object storage (ESSAIM_S3_*): the settings an operator writes,
and a picture going through a real S3 server (moto's, on the loopback interface) from upload to
the signed URL a browser reads it from."""

from __future__ import annotations

import io
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from essaim.accounts import actions as accounts
from essaim.accounts.avatars import avatar_url
from essaim.settings import Config, media_origins, media_storage

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"ESSAIM_S3_ACCESS_KEY": "essaim", "ESSAIM_S3_SECRET_KEY": "essaim-secret"}


def picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (20, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


# Settings

def test_without_a_bucket_uploads_stay_in_the_media_folder(tmp_path):
    config = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path)})
    assert config.s3 is None
    assert media_storage(config) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert media_origins(config) == []


def test_an_s3_compatible_service(tmp_path):
    config = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), "ESSAIM_S3_BUCKET": "essaim-media",
                              "ESSAIM_S3_ENDPOINT_URL": "https://s3.fr-par.scw.cloud/", "ESSAIM_S3_REGION": "fr-par",
                              "ESSAIM_S3_PREFIX": "/prod/", **KEYS})
    storage = media_storage(config)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"], options["location"]) == (
        "essaim-media", "https://s3.fr-par.scw.cloud", "fr-par", "prod")
    assert (options["access_key"], options["secret_key"]) == ("essaim", "essaim-secret")
    assert options["querystring_auth"] is True and options["default_acl"] is None  # private, signed URLs
    assert options["addressing_style"] == "path"
    assert media_origins(config) == ["https://s3.fr-par.scw.cloud"]


def test_amazon_s3_with_the_machine_s_own_credentials(tmp_path):
    config = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), "ESSAIM_S3_BUCKET": "essaim-media",
                              "ESSAIM_S3_REGION": "eu-west-3"})
    options = media_storage(config)["OPTIONS"]
    assert options["endpoint_url"] is None and options["addressing_style"] is None
    assert options["access_key"] is None and options["secret_key"] is None  # boto3 looks for them
    assert options["location"] == ""


@pytest.mark.parametrize("env, message", [
    ({"ESSAIM_S3_ENDPOINT_URL": "https://s3.example.com"}, "ESSAIM_S3_BUCKET: needed with ESSAIM_S3_ENDPOINT_URL"),
    ({"ESSAIM_S3_ACCESS_KEY": "k", "ESSAIM_S3_SECRET_KEY": "s"},
     "ESSAIM_S3_BUCKET: needed with ESSAIM_S3_ACCESS_KEY, ESSAIM_S3_SECRET_KEY"),
    ({"ESSAIM_S3_BUCKET": "media", "ESSAIM_S3_REGION": "eu-west-3", "ESSAIM_S3_ACCESS_KEY": "k"},
     "ESSAIM_S3_SECRET_KEY: the access key and the secret key go together"),
    ({"ESSAIM_S3_BUCKET": "media", "ESSAIM_S3_REGION": "eu-west-3", "ESSAIM_S3_SECRET_KEY": "s"},
     "ESSAIM_S3_ACCESS_KEY: the access key and the secret key go together"),
    ({"ESSAIM_S3_BUCKET": "media"}, "ESSAIM_S3_REGION: needed for Amazon S3"),
    ({"ESSAIM_S3_BUCKET": "media", "ESSAIM_S3_ENDPOINT_URL": "s3.example.com"}, "ESSAIM_S3_ENDPOINT_URL: 's3.example.com'"),
    ({"ESSAIM_S3_BUCKET": "media", "ESSAIM_S3_ENDPOINT_URL": "https://s3.example.com/media"},
     "ESSAIM_S3_ENDPOINT_URL: 'https://s3.example.com/media'"),
    ({"ESSAIM_S3_BUCKET": "My_Media", "ESSAIM_S3_REGION": "eu-west-3"}, "ESSAIM_S3_BUCKET: 'My_Media' is not"),
])
def test_partial_or_wrong_s3_settings_are_clear_errors(tmp_path, env, message):
    with pytest.raises(ValueError, match=message):
        Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), **env})


def test_settings_module_wires_the_bucket_and_the_pictures_policy(tmp_path):
    """What Django gets: STORAGES["default"], and img-src allowing the bucket's signed URLs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")}
    env.update({"ESSAIM_DATA_DIR": str(tmp_path), "ESSAIM_S3_BUCKET": "essaim-media",
                "ESSAIM_S3_ENDPOINT_URL": "https://minio.internal:9000", **KEYS})
    code = ("import json, essaim.settings as s; print(json.dumps([s.STORAGES['default']['BACKEND'], "
            "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], s.STORAGES['staticfiles']['BACKEND']]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    backend, img_src, static = json.loads(out.stdout)
    assert backend == "storages.backends.s3.S3Storage"
    assert "https://minio.internal:9000" in img_src and "'self'" in img_src
    assert static == "django.contrib.staticfiles.storage.StaticFilesStorage"  # static files stay local


@pytest.mark.parametrize("bucket", ["essaim-media", "essaim.media"])
def test_amazon_s3_signed_urls_come_from_hosts_the_pictures_policy_allows(tmp_path, bucket):
    """botocore signs Amazon URLs on the bucket's host, or on the regional host for dotted names
    (no network: signing is local)."""
    from storages.backends.s3 import S3Storage

    config = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), "ESSAIM_S3_BUCKET": bucket,
                              "ESSAIM_S3_REGION": "eu-west-3", **KEYS})
    url = urlparse(S3Storage(**media_storage(config)["OPTIONS"]).url("avatars/1-2-abcd.png"))
    assert f"{url.scheme}://{url.netloc}" in media_origins(config)
    assert "X-Amz-Signature" in parse_qs(url.query)


# A real S3 server

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server in its own process, on a free loopback port."""
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the S3 server did not start:\n{log.read_text()}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path):
    """A new private bucket, and Django's default storage pointed at it (under a prefix)."""
    name = f"essaim-{secrets.token_hex(4)}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id=KEYS["ESSAIM_S3_ACCESS_KEY"],
                          aws_secret_access_key=KEYS["ESSAIM_S3_SECRET_KEY"])
    client.create_bucket(Bucket=name)
    config = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), "ESSAIM_S3_BUCKET": name,
                              "ESSAIM_S3_ENDPOINT_URL": s3_endpoint, "ESSAIM_S3_PREFIX": "tenant-a", **KEYS})
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(config)}
    client.config_for_test = config
    client.name = name
    return client


def keys(bucket) -> list[str]:
    return [o["Key"] for o in bucket.list_objects_v2(Bucket=bucket.name).get("Contents", [])]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


@pytest.mark.django_db
def test_a_picture_lives_in_the_bucket_and_is_read_through_signed_urls(world, bucket, s3_endpoint, settings,
                                                                       django_capture_on_commit_callbacks):
    member = world.member
    accounts.do_set_avatar(member, SimpleUploadedFile("me.jpg", picture()), acting_user=member)
    member.refresh_from_db()
    name = member.avatar.name
    assert name.startswith("avatars/") and name.endswith(".png")
    assert keys(bucket) == [f"tenant-a/{name}"]
    assert not (Path(settings.MEDIA_ROOT) / "avatars").exists()  # nothing written to the local folder

    url = avatar_url(member)
    parsed = urlparse(url)
    assert url.startswith(f"{s3_endpoint}/{bucket.name}/tenant-a/{name}?")
    query = parse_qs(parsed.query)
    assert "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["3600"]
    assert f"{parsed.scheme}://{parsed.netloc}" in media_origins(bucket.config_for_test)
    status, body = fetch(url)
    assert status == 200
    stored = Image.open(io.BytesIO(body))
    assert stored.format == "PNG" and stored.size == (256, 256)
    assert fetch(f"{s3_endpoint}/{bucket.name}/tenant-a/{name}")[0] == 403  # private without a signature

    client = Client()
    client.force_login(world.owner)
    page = client.get(f"/people/{member.id}/").content.decode()
    assert f'src="{s3_endpoint}/{bucket.name}/tenant-a/{name}?X-Amz-Algorithm=' in page
    api = json.loads(client.get(f"/api/v1/users/{member.id}").content)
    assert api["avatar_url"].startswith(f"{s3_endpoint}/{bucket.name}/tenant-a/{name}?")
    assert fetch(api["avatar_url"])[0] == 200

    with django_capture_on_commit_callbacks(execute=True):
        accounts.do_set_avatar(member, SimpleUploadedFile("new.jpg", picture()), acting_user=member)
    member.refresh_from_db()
    assert member.avatar.name != name
    assert keys(bucket) == [f"tenant-a/{member.avatar.name}"]  # the old picture is deleted once committed

    with django_capture_on_commit_callbacks(execute=True):
        accounts.do_remove_avatar(member, acting_user=member)
    assert keys(bucket) == []
    assert avatar_url(member) == f"/people/{member.id}/avatar.svg"


@pytest.mark.django_db
def test_a_picture_uploaded_through_the_settings_page_goes_to_the_bucket(world, bucket):
    client = Client()
    client.force_login(world.member)
    member = world.member
    form = {"display_name": member.display_name, "handle": member.handle, "language": "",
            "avatar": SimpleUploadedFile("holiday.jpg", picture(), content_type="image/jpeg")}
    response = client.post("/settings/profile/", form)
    assert response.status_code == 302, response.content.decode()[:500]
    world.member.refresh_from_db()
    assert keys(bucket) == [f"tenant-a/{world.member.avatar.name}"]
    with world.member.avatar.open("rb") as fh:  # read back through the storage
        assert Image.open(fh).size == (256, 256)
