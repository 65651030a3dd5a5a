"""One matrix world per test module, built once and committed; each test then runs in its own
rolled-back transaction on top of it, so mutating routes leave no trace for the next cell."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from matrix_world import MatrixWorld, build

from essaim.core.models import Activity, Network


@pytest.fixture(scope="module")
def mw(django_db_setup, django_db_blocker) -> MatrixWorld:
    with django_db_blocker.unblock():
        built = build()
        try:
            yield built
        finally:
            ids = [n.id for n in built.networks]
            Session.objects.filter(session_key__in=list(built.sessions.values())).delete()
            Activity.objects.filter(network_id__in=ids).delete()
            Network.objects.filter(id__in=ids).delete()


