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
