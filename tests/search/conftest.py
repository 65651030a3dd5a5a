import pytest

from essaim.core import jobs


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """indexed(callable) -> run it, then every pending job (search indexing among them)."""

    def run(make=None):
        result = make() if make is not None else None
        jobs.run_pending(limit=10_000, kinds=["search.index"])
        return result

    return run
