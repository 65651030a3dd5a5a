"""`essaim bench --only digest`: how long the digest takes for N people, through a real SMTP
server (an aiosmtpd sink on a free loopback port), on the configured database.

The people, communities and posts live in a throwaway network that is deleted afterwards; only
that network's people are sent a digest."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
import uuid

SINK_TIMEOUT = 30.0


class SmtpSink:
    """An SMTP server keeping every message it accepts (aiosmtpd, in a thread)."""

    def __init__(self):
        self.envelopes: list = []
        self.connections = 0
        self._lock = threading.Lock()
        self._controller = None
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        with self._lock:
            self.envelopes.append(envelope)
        return "250 Message accepted"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # one per SMTP connection
        with self._lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = SINK_TIMEOUT) -> int:
        deadline = time.monotonic() + timeout
        while len(self.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return len(self.envelopes)

    def settings(self) -> dict:
        """Django settings that send through this sink."""
        return {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": self.port, "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": "",
                "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False, "EMAIL_TIMEOUT": 10}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def smtp_sink():
    """with smtp_sink() as sink: Django sends through a local SMTP sink meanwhile."""
    from django.test.utils import override_settings

    sink = SmtpSink().start()
    try:
        with override_settings(**sink.settings()):
            yield sink
    finally:
        sink.stop()


def _build(network, people: int, rng: random.Random) -> None:
    """People in ten open communities, posts with comments, reactions and mentions, some views."""
    from essaim.accounts.actions import do_create_user
    from essaim.communities.actions import do_create_community, do_join_community
    from essaim.core import activity
    from essaim.stream.actions import do_add_reaction, do_create_comment, do_create_post

    users = [do_create_user(network, email=f"person{i}@digest-bench.invalid", display_name=f"Person {i}",
                            handle=f"person{i}") for i in range(people)]
    communities = [do_create_community(users[i % people], name=f"Team {i}", visibility="open", slug=f"team-{i}")
                   for i in range(10)]
    for i, user in enumerate(users):
        community = communities[i % len(communities)]
        if community.created_by_id != user.id:
            do_join_community(user, community)
    posts = []
    for n in range(max(20, people // 20)):
        author = rng.choice(users)
        community = communities[users.index(author) % len(communities)] if n % 4 else None
        mention = rng.choice(users)
        posts.append(do_create_post(author, f"Update {n}: progress on the plan, @{mention.handle} please have a "
                                            f"look. #bench", community=community))
    for post in posts:
        for reader in rng.sample(users, k=min(len(users), rng.randint(1, 6))):
            if reader.id != post.author_id:
                do_add_reaction(reader, rng.choice(["like", "celebrate", "insightful"]), post=post)
        for writer in rng.sample(users, k=min(len(users), rng.randint(0, 3))):
            do_create_comment(post, writer, "Good point, thanks.")
        for viewer in rng.sample(users, k=min(len(users), 20)):
            activity.record_view(viewer, activity.Object.POST, post.id, post.community_id)


def _drop(network_id: int) -> None:
    from essaim.core.models import Activity, EventLog, Job, Network

    Job.objects.filter(network_id=network_id).delete()
    Activity.objects.filter(network_id=network_id).delete()
    EventLog.objects.filter(network_id=network_id).delete()
    Network.objects.filter(pk=network_id).delete()


def bench_digest(people: int = 1000, *, seed: int = 7) -> dict:
    """Build `people` people with content in a throwaway network, run their digest through an SMTP
    sink, and report {people, emails_sent, seconds, smtp_messages_received, smtp_connections}."""
    from django.db import connection

    from essaim.accounts.actions import do_create_network

    from .actions import run_digests_now

    stamp = uuid.uuid4().hex[:10]
    network = do_create_network(f"Digest bench {stamp}", f"bench-digest-{stamp}")
    try:
        build_started = time.monotonic()
        _build(network, people, random.Random(seed))
        build_seconds = time.monotonic() - build_started
        with smtp_sink() as sink:
            result = run_digests_now(network_id=network.id)
            received = sink.wait_for(result["emails_sent"])
        return {"database": connection.vendor, "people": people, "emails_sent": result["emails_sent"],
                "seconds": round(result["seconds"], 3), "smtp_messages_received": received,
                "smtp_connections": sink.connections, "build_seconds": round(build_seconds, 1)}
    finally:
        _drop(network.id)
