"""Read queries written by the ORM once per process, then run with new values.

On a hot path (a feed page makes several small queries), Django spends about as long writing each
query's SQL as the database spends answering it. A `Prepared` query is a queryset function called
once per shape with stand-in values; its SQL, and how its rows become values or model instances, are
kept; later calls only put their own values among the parameters. The SQL is the ORM's own, so
the same filters (and permission predicates) apply; tests compare each with the ORM's answer.

    _reactions = Prepared(lambda ids, user: Reaction.objects.filter(post_id__in=ids, user_id=user)
                          .values_list("post_id", "kind"), lists=("ids",))
    _reactions.rows(ids=[1, 2, 3], user=7)     # [(1, "like"), ...]

Values are integers (ids), text, aware datetimes, or lists of them (`lists`: one shape per
length, so an `IN` list keeps its placeholders); the builder must use them only as query values,
compared as they are (a stand-in value that the ORM changes, or leaves out of the parameters, is
refused). `fixed` values are written into the SQL as the builder uses them (a page size, a flag):
each distinct set is its own shape. The query runs on the connection the database router picks for
reading its model (a replica in feed requests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connections, router
from django.db.models.query import get_related_populators

# Values no table holds (each stand-in is a distinct one below it), within a 32-bit integer's range:
# Django leaves out of the SQL a comparison with a value outside its column's range.
_FIRST_STAND_IN = -1_900_000_001
_FIRST_WHEN = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)


class StandInViewer:
    """A person known only by id and network, to write a prepared query's SQL for every viewer: a
    permission predicate that reads anything else of its viewer fails here (AttributeError) rather
    than having one viewer's value written into everyone's SQL."""

    is_authenticated = True
    is_active = True

    def __init__(self, id: int, network_id: int):
        self.id = self.pk = id
        self.network_id = network_id


@dataclass
class _Shape:
    sql: str
    params: list  # the SQL's parameters, with stand-ins where each call's values go
    slots: list[tuple[int, str, int | None, bool]] = field(default_factory=list)  # position, name, index, adapt
    converters: dict | None = None
    compiler: object = None
    model: type | None = None
    init_list: list[str] | None = None
    field_range: tuple[int, int] = (0, 0)
    populators: list | None = None
    col_count: int | None = None


class Prepared:
    def __init__(self, build, *, lists: tuple[str, ...] = ()):
        self.build = build
        self.lists = frozenset(lists)
        self._shapes: dict[tuple, _Shape] = {}
        self.model = None

    # ------------------------------------------------------------------ writing the SQL once

    def _shape(self, alias: str, values: dict, fixed: dict) -> _Shape:
        key = (alias, tuple(sorted(fixed.items())),
               *sorted((name, len(v) if name in self.lists else type(v).__name__) for name, v in values.items()))
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shapes[key] = self._write(alias, values, fixed)
        return shape

    def _write(self, alias: str, values: dict, fixed: dict) -> _Shape:
        stand_ins, where = {}, {}
        n = _FIRST_STAND_IN
        ops = connections[alias].ops

        def stand_in(name, index, like):
            nonlocal n
            if isinstance(like, datetime):  # as it is (PostgreSQL) or as the backend writes it (SQLite)
                value = _FIRST_WHEN + timedelta(seconds=_FIRST_STAND_IN - n)
                where[ops.adapt_datetimefield_value(value)] = (name, index, True)
            else:
                value = f"~prepared{n}~" if isinstance(like, str) else n
            where[value] = (name, index, False)
            n -= 1
            return value

        for name, value in sorted(values.items()):
            if name in self.lists:
                stand_ins[name] = [stand_in(name, i, v) for i, v in enumerate(value)]
            else:
                stand_ins[name] = stand_in(name, None, value)
        qs = self.build(**fixed, **stand_ins)
        compiler = qs.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        shape = _Shape(sql=sql, params=list(params), compiler=compiler, col_count=compiler.col_count
                       if compiler.has_extra_select else None)
        found = set()
        for position, value in enumerate(shape.params):
            if isinstance(value, (int, str, datetime)) and not isinstance(value, bool) and value in where:
                name, index, adapt = where[value]
                shape.slots.append((position, name, index, adapt))
                found.add((name, index))
        wanted = {(name, index) for name, index, _adapt in where.values()}
        if found != wanted:  # a value the ORM changed or dropped: its SQL can't be reused
            missing = sorted({name for name, _index in wanted - found})
            raise ValueError(f"prepared query: values {missing} are not plain parameters of its SQL")
        fields = [s[0] for s in compiler.select[0:compiler.col_count]]
        shape.converters = compiler.get_converters(fields)
        if qs._iterable_class.__name__ == "ModelIterable":
            klass_info = compiler.klass_info
            shape.model = klass_info["model"]
            select_fields = klass_info["select_fields"]
            shape.field_range = (select_fields[0], select_fields[-1] + 1)
            shape.init_list = [f[0].target.attname for f in compiler.select[slice(*shape.field_range)]]
            shape.populators = get_related_populators(klass_info, compiler.select, alias)
        self.model = qs.model
        return shape

    # ------------------------------------------------------------------ running it

    def _run(self, values: dict, fixed: dict) -> tuple[_Shape | None, list, str]:
        if any(v is None or (name in self.lists and None in v) for name, v in values.items()):
            raise TypeError("prepared query: None is not a value (the ORM would have written IS NULL)")
        if any(not values[name] for name in self.lists):
            return None, [], ""  # `IN ()` matches nothing
        if self.model is None:  # the first call writes a shape on the primary to learn the model it reads
            self._shape("default", values, fixed)
        alias = router.db_for_read(self.model)
        shape = self._shape(alias, values, fixed)
        connection = connections[alias]
        params = list(shape.params)
        for position, name, index, adapt in shape.slots:
            value = values[name] if index is None else values[name][index]
            params[position] = connection.ops.adapt_datetimefield_value(value) if adapt else value
        with connection.cursor() as cursor:
            cursor.execute(shape.sql, params)
            rows = cursor.fetchall()
        if shape.col_count is not None:
            rows = [row[:shape.col_count] for row in rows]
        if shape.converters:  # (they read only configuration from the connection that wrote the shape)
            rows = list(shape.compiler.apply_converters(rows, shape.converters))
        return shape, rows, alias

    def rows(self, fixed: dict | None = None, **values) -> list[tuple]:
        """The rows as tuples (a values_list() query's columns)."""
        _shape, rows, _alias = self._run(values, fixed or {})
        return [tuple(r) for r in rows]

    def objects(self, fixed: dict | None = None, **values) -> list:
        """The rows as model instances, with their select_related() objects."""
        shape, rows, alias = self._run(values, fixed or {})
        if not rows:
            return []
        if shape.model is None:
            raise TypeError("prepared query: objects() needs a queryset of model instances")
        start, end = shape.field_range
        result = []
        for row in rows:
            obj = shape.model.from_db(alias, shape.init_list, row[start:end])
            for populator in shape.populators:
                populator.populate(row, obj)
            result.append(obj)
        return result
