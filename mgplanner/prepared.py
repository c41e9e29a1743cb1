"""Querysets compiled to SQL once per process and run many times with new parameters.

Turning a queryset into SQL is most of what a small ORM query costs here: a primary-key
lookup of a food took 1.3 ms, of which the database round trip was 0.15 ms; loading a day
(days, meals, items with their foods, recipes, doses: five queries) took 17 ms, of which
the database 3 ms. A query whose shape never changes (only its parameters do) needs
compiling once: `PreparedQuery` compiles the queryset its `build` returns for stand-in
values of the named parameters, finds where those values landed among the SQL's
parameters, and from then on only executes the SQL with the real values and builds model
instances from the rows as the ORM does (select_related and annotations included, the
database's converters applied). The day's five queries take 4.5 ms.

What `build` returns must have the same SQL whatever the parameters' values: no `__in`
lists, no branching on them, no prefetch_related (run `prefetch_related_objects` on the
result instead). Each parameter is an int (a primary key) or a date. It uses the
compiler's select list and `klass_info`, as Django's own ModelIterable does (pinned to
Django 5.2 LTS; tests/test_prepared.py compares the day loader built on it with the ORM's
prefetching, column by column, on SQLite and PostgreSQL).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)

# Stand-ins no real parameter takes: negative keys, dates in year 1.
_INT_STAND_IN = -(10**12)
# The keys an integer column can hold (a 64-bit signed integer on every database).
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_DATE_STAND_IN = date(1, 1, 1)


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str, bool], ...]  # (position, parameter, adapt a date)
    compiler: Any
    init_list: tuple[str, ...]
    start: int
    end: int
    populators: tuple[Any, ...]
    annotations: tuple[tuple[str, int], ...]


class PreparedQuery(Generic[M]):
    """`build(**stand_ins)` compiled on first use per database alias; call with the real
    values: `ITEMS(day=7)` is the list `build(day=7)` would give."""

    def __init__(self, build: Callable[..., QuerySet[M]], **parameters: type) -> None:
        unknown = {name: kind for name, kind in parameters.items() if kind not in (int, date)}
        if unknown:
            raise TypeError(f"parameters must be int or date: {unknown}")
        self.build = build
        self.parameters = parameters
        self._compiled: dict[str, _Compiled] = {}

    def _stand_ins(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for number, (name, kind) in enumerate(self.parameters.items()):
            if kind is int:
                values[name] = _INT_STAND_IN - number
            else:
                values[name] = _DATE_STAND_IN + timedelta(days=number)
        return values

    def _compile(self, alias: str) -> _Compiled:
        stand_ins = self._stand_ins()
        queryset = self.build(**stand_ins)
        if queryset._prefetch_related_lookups:
            raise ValueError("a prepared query cannot prefetch: prefetch on its result")
        connection = connections[alias]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if compiler.has_extra_select:
            raise ValueError("a prepared query cannot have extra() select columns")
        slots = []
        for name, stand_in in stand_ins.items():
            # A date reaches the SQL's parameters as the backend adapts it (a string on SQLite).
            adapted = (
                connection.ops.adapt_datefield_value(stand_in)
                if isinstance(stand_in, date)
                else stand_in
            )
            found = [
                (position, name, isinstance(stand_in, date))
                for position, value in enumerate(params)
                if value == adapted and type(value) is type(adapted)
            ]
            if not found:
                raise ValueError(f"parameter {name!r} is not in the query's SQL")
            slots.extend(found)
        klass_info = compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            compiler=compiler,
            init_list=tuple(column[0].target.attname for column in compiler.select[start:end]),
            start=start,
            end=end,
            populators=tuple(get_related_populators(klass_info, compiler.select, alias)),
            annotations=tuple((compiler.annotation_col_map or {}).items()),
        )

    def __call__(self, *, using: str = "default", **values: Any) -> list[M]:
        if values.keys() != self.parameters.keys():
            raise TypeError(f"expected parameters {sorted(self.parameters)}, got {sorted(values)}")
        if any(
            kind is int and not _INT_MIN <= values[name] <= _INT_MAX
            for name, kind in self.parameters.items()
        ):
            # A key no row can have (a URL's <int:pk> has no bound): none found, as the ORM
            # answers it. SQLite's driver raised OverflowError on it, a server error.
            return []
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        connection = connections[using]
        params = list(compiled.params)
        for position, name, is_date in compiled.slots:
            value = values[name]
            params[position] = connection.ops.adapt_datefield_value(value) if is_date else value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        model = compiled.compiler.klass_info["model"]
        found: list[M] = []
        for row in compiled.compiler.results_iter([rows]):
            instance = model.from_db(using, compiled.init_list, row[compiled.start : compiled.end])
            for populator in compiled.populators:
                populator.populate(row, instance)
            for attribute, position in compiled.annotations:
                setattr(instance, attribute, row[position])
            found.append(instance)
        return found
