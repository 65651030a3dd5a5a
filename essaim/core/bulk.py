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


def insert_rows(model, fields: tuple[str, ...], rows: list[tuple], on_batch: Callable[[list[int], list[tuple]], None],
                *, batch: int = 1000) -> list[int]:
    """Insert `rows`, tuples of the values of `fields` (attnames such as "author_id", values as the
    database takes them), every other column at its default, `batch` rows at a time, calling
    on_batch(ids, rows) after each batch (its event); returns the new ids in the rows' order.
    PostgreSQL: the ids are drawn from the table's sequence, then the rows COPYed, with no model
    instance and no per-value preparation (several times less Python per row than bulk_create);
    elsewhere bulk_create. Call it inside a transaction."""
    from django.db import connections, router
    from django.utils import timezone

    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    given = set(fields)
    rest = [f for f in meta.concrete_fields if f.attname not in given and not f.primary_key]
    defaults = []
    for field in rest:
        if field.has_default():
            value = field.get_default()
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = timezone.now()
        elif field.null:
            value = None
        else:
            raise ValueError(f"{meta.label}.{field.attname} has no default: give its value.")
        defaults.append(field.get_db_prep_save(value, connection))
    ids: list[int] = []
    if connection.vendor != "postgresql":
        for part in chunks(rows, batch):
            made = model.objects.using(alias).bulk_create([model(**dict(zip(fields, row))) for row in part])
            ids.extend(m.pk for m in made)
            on_batch(ids[-len(part):], part)
        return ids
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in [meta.pk.column, *(meta.get_field(f).column for f in fields),
                                            *(f.column for f in rest)])
    tail = tuple(defaults)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
        sequence = cursor.fetchone()[0]
        for part in chunks(rows, batch):
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, len(part)])
            part_ids = sorted(r[0] for r in cursor.fetchall())
            with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
                for pk, row in zip(part_ids, part):
                    copy.write_row((pk, *row, *tail))
            ids.extend(part_ids)
            on_batch(part_ids, part)
    return ids


def recount(model, ids, counter: str, counted, link: str) -> None:
    """Set `counter` of the `model` rows `ids` to how many rows of the queryset `counted` point to
    each through `link` (e.g. a post's comment_count from its live comments), 5,000 rows a statement."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    number = counted.filter(**{link: OuterRef("pk")}).order_by().values(link).annotate(n=Count("pk")).values("n")
    for part in chunks(sorted(set(ids)), 5000):
        model.objects.filter(id__in=among(part, model)).update(**{counter: Coalesce(Subquery(number), 0)})


def among(ids, model):
    """The right-hand side of an `__in` lookup on `model` for thousands of ids: on PostgreSQL, beyond
    a hundred, one array parameter (a list of that many placeholders costs more to write and parse
    than the query to run), otherwise the list itself."""
    from django.db import connections, router
    from django.db.models.expressions import RawSQL

    ids = list(ids)
    if len(ids) > 100 and connections[router.db_for_read(model)].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids


def existing_ids(queryset, ids) -> set[int]:
    """Which of `ids` the queryset holds: on PostgreSQL 100,000 at a time as one array parameter,
    elsewhere 10,000 at a time."""
    from django.db import connections

    found: set[int] = set()
    size = 100_000 if connections[queryset.db].vendor == "postgresql" else 10_000
    for part in chunks(sorted(set(ids)), size):
        found.update(queryset.filter(id__in=among(part, queryset.model)).values_list("id", flat=True))
    return found
