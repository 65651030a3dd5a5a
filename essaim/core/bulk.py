"""Writing many rows at once (generated data), for the bulk actions."""

from __future__ import annotations

from collections.abc import Callable


def chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def insert_new(model, rows: list, *, batch: int, field: str, values: list) -> int:
    """bulk_create `rows` in batches, leaving alone those a unique constraint already holds, and
    return how many were new: the rows of `model` whose `field` is among `values` (the rows' own
    scope, counted in bounded statements) after, less before. Call it inside a transaction."""
    values = sorted(set(values))

    def count() -> int:
        return sum(model.objects.filter(**{f"{field}__in": part}).count() for part in chunks(values, 5000))

    before = count()
    for part in chunks(rows, batch):
        model.objects.bulk_create(part, ignore_conflicts=True)
    return count() - before


def create_in_batches(model, rows: list, on_batch: Callable[[list], None], *, batch: int = 1000) -> list[int]:
    """bulk_create `rows` in batches of `batch`, calling on_batch(created) after each (its event);
    the new ids in order. Call it inside a transaction."""
    ids: list[int] = []
    for part in chunks(rows, batch):
        made = model.objects.bulk_create(part)
        ids.extend(m.id for m in made)
        on_batch(made)
    return ids


def recount(model, ids, counter: str, counted, link: str) -> None:
    """Set `counter` of the `model` rows `ids` to how many rows of the queryset `counted` point to
    each through `link` (e.g. a post's comment_count from its live comments), 5,000 rows a statement."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    number = counted.filter(**{link: OuterRef("pk")}).order_by().values(link).annotate(n=Count("pk")).values("n")
    for part in chunks(sorted(set(ids)), 5000):
        model.objects.filter(id__in=part).update(**{counter: Coalesce(Subquery(number), 0)})


def existing_ids(queryset, ids) -> set[int]:
    """Which of `ids` the queryset holds, asked 10,000 at a time."""
    found: set[int] = set()
    for part in chunks(sorted(set(ids)), 10_000):
        found.update(queryset.filter(id__in=part).values_list("id", flat=True))
    return found
