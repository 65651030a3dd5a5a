"""A read replica for the router tests: the alias "replica1", a test mirror of the primary
(Django's TEST {"MIRROR": "default"}, as essaim/settings.py declares real replicas), so that it
reads the same test database through a connection of its own. Nothing routes to it unless a test
switches the router on."""

from __future__ import annotations

from django.conf import settings
from django.db import connections

REPLICA = "replica1"

if REPLICA not in settings.DATABASES:
    settings.DATABASES[REPLICA] = {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}}
    if "settings" in connections.__dict__:  # the connections were already configured: tell them too
        connections.settings[REPLICA] = connections.configure_settings(
            {"default": dict(connections.settings["default"]), REPLICA: settings.DATABASES[REPLICA]})[REPLICA]
