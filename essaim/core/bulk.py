"""Writing many rows at once (generated data), for the bulk actions."""

from __future__ import annotations

from collections.abc import Callable


def chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def insert_new(model, fields: tuple[str, ...], rows: list[tuple], *, batch: int = 50_000) -> int:
    """Insert `rows`, tuples of the values of `fields` (column attnames such as "user_id"), leaving
    alone those a unique constraint already holds, and return how many were new. PostgreSQL: COPY
    into a temporary table, then one INSERT ... ON CONFLICT DO NOTHING per `batch` rows (millions
    of follows in minutes); SQLite: INSERT OR IGNORE. All or nothing."""
    from django.db import connections, router, transaction

    alias = router.db_for_write(model)
    connection = connections[alias]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    new = 0
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            scratch = connection.ops.quote_name(f"bulk_{model._meta.db_table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS SELECT {columns} FROM {table} LIMIT 0")
            for part in chunks(rows, batch):
                with cursor.cursor.copy(f"COPY {scratch} ({columns}) FROM STDIN") as copy:
                    for row in part:
                        copy.write_row(row)
                cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {scratch} ON CONFLICT DO NOTHING")
                new += cursor.rowcount
                cursor.execute(f"TRUNCATE {scratch}")
            cursor.execute(f"DROP TABLE {scratch}")
        else:
            prep = [model._meta.get_field(f) for f in fields]
            marks = ", ".join(["%s"] * len(fields))
            for part in chunks(rows, batch):
                cursor.executemany(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})",
                                   [[f.get_db_prep_save(v, connection) for f, v in zip(prep, row)] for row in part])
                new += cursor.rowcount
    return new


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
    """Which of `ids` the queryset holds: on PostgreSQL 100,000 at a time as one array parameter
    (an IN list of that size costs more to write than to run), elsewhere 10,000 at a time."""
    from django.db import connections
    from django.db.models.expressions import RawSQL

    found: set[int] = set()
    if connections[queryset.db].vendor == "postgresql":
        for part in chunks(sorted(set(ids)), 100_000):
            found.update(queryset.filter(id__in=RawSQL("SELECT unnest(%s::bigint[])", (part,)))
                         .values_list("id", flat=True))
        return found
    for part in chunks(sorted(set(ids)), 10_000):
        found.update(queryset.filter(id__in=part).values_list("id", flat=True))
    return found
