"""Reads on hot paths whose SQL the ORM compiles once and then runs again with new parameters.

Compiling a queryset costs Django about 0.3 ms for a model of twenty fields (every column
becomes an expression that is compiled and quoted), while SQLite or PostgreSQL answer a read by
primary key in a tenth of that. A registration makes half a dozen such reads, so compiling them
was a third of its CPU. `Prepared` keeps what the ORM compiled: the SQL, the place of each
parameter in it, and the compiler (which knows the columns, their converters and how to build
the model instances), one per database connection, and runs the same SQL with new parameters
through Django's own iterables. The query is still written with the ORM, so it is portable and
its results are what the queryset gives (the tests compare the two on both databases).

    person_by_id = Prepared(lambda pk: Person.objects.filter(pk=pk, erased_at__isnull=True))
    person = person_by_id.first(42)

Rules for the function that builds the queryset:

- It depends on its parameters only (not on the time, the language or settings): it is
  called once per connection, with stand-in values, and its SQL is reused for every call.
- Each parameter is compared with a column as it is (`pk=pk`, `token_hash=secret_hash`): an
  integer, or a string when the parameter is annotated `str`. No `__in` lists, no expressions
  computed from a parameter; a parameter that does not appear exactly as given in the compiled
  SQL is refused when the query is first compiled.
- Anything the queryset can return works: model instances (with `select_related`),
  `values()`, `values_list()`; `prefetch_related` does not (it needs a second query).

`PreparedUpdate` does the same for an UPDATE of the rows such a queryset selects, with values
fixed when it is defined (expressions such as `F("seats_taken") + 1`), on one table only.

`PreparedInsert` is `instance.save(force_insert=True)` for a new row, its INSERT compiled once
per connection: it sends `pre_save` and `post_save` as `save()` does, the values are still each
field's `pre_save` and `get_db_prep_save`, as the ORM's own, and the row's generated key is read
back. It saves the ORM's way whenever the model has its own `save()` or a parent model, or a value
is an expression.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.models import QuerySet, sql
from django.db.models.signals import post_save, pre_save

# Stand-ins for the parameters while the query is compiled: values no real query carries, and
# integers within every integer column's range (Django leaves out a comparison with a value a
# column cannot hold).
_INT_STAND_IN = 2_146_812_317
_STR_STAND_IN = "\x00klynge-prepared-parameter-%d\x00"
_INT64 = (-(2**63), 2**63 - 1)


class _Compiled:
    """One query compiled for one connection: its SQL, parameters and queryset."""

    __slots__ = ("compiler", "params", "positions", "queryset", "sql", "using")

    def __init__(self, prepared: Prepared, using: str):
        stand_ins = [
            _STR_STAND_IN % n if kind is str else _INT_STAND_IN - n
            for n, kind in enumerate(prepared.kinds)
        ]
        queryset = prepared.build(*stand_ins)
        if not isinstance(queryset, QuerySet):
            raise ImproperlyConfigured(f"{prepared.name} must build a QuerySet.")
        if queryset._prefetch_related_lookups:
            raise ImproperlyConfigured(f"{prepared.name}: prefetch_related cannot be prepared.")
        queryset = queryset.using(using)
        if prepared.update_values is None:
            compiler = queryset.query.get_compiler(using=using)
        else:
            if len(queryset.query.alias_map) > 1 or queryset.query.is_sliced:
                # Django would first read the rows' keys and put them into the UPDATE.
                raise ImproperlyConfigured(f"{prepared.name}: update one table, unsliced.")
            query = queryset.query.chain(sql.UpdateQuery)
            query.add_update_values(prepared.update_values)
            query.clear_ordering(force=True)
            query.clear_select_clause()
            compiler = query.get_compiler(using=using)
        sql_text, params = compiler.as_sql()
        params = list(params)
        positions = []
        for n, stand_in in enumerate(stand_ins):
            found = [i for i, value in enumerate(params) if value == stand_in]
            if len(found) != 1:
                raise ImproperlyConfigured(
                    f"{prepared.name}: parameter {n} appears {len(found)} times in the compiled "
                    "SQL; compare each parameter with one column, as it is."
                )
            positions.append(found[0])
        # The compiler now knows the columns (`select`, `klass_info`, ...); Django's iterables
        # ask the query for a compiler, run its SQL and read the rows through it. This query's
        # compiler is the one compiled above, and its SQL is the one kept here.
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        if prepared.update_values is None:
            # Each read asks the compiler for its columns' converters (JSON, dates, ...), which
            # are the same for every run of this SQL: found once.
            columns = [column for column, *_ in compiler.select[: compiler.col_count]]
            converters = compiler.get_converters(columns)
            compiler.get_converters = lambda expressions: converters
        self.sql, self.params, self.positions = sql_text, params, positions
        self.compiler, self.queryset, self.using = compiler, queryset, using

    def _params(self, args: tuple) -> list:
        params = list(self.params)
        for position, value in zip(self.positions, args, strict=True):
            params[position] = value
        return params

    def rows(self, args: tuple) -> list:
        sql_text, params = self.sql, self._params(args)
        self.compiler.as_sql = lambda *_args, **_kwargs: (sql_text, params)
        queryset = self.queryset
        return list(queryset._iterable_class(queryset))

    def update(self, args: tuple) -> int:
        """Runs the UPDATE (as `QuerySet.update` does); the number of rows it changed."""
        with transaction.mark_for_rollback_on_error(using=self.using):
            with connections[self.using].cursor() as cursor:
                cursor.execute(self.sql, self._params(args))
                return cursor.rowcount


class Prepared:
    """A read built by `build(*params)` with the ORM, compiled once per database connection."""

    update_values: dict | None = None

    def __init__(self, build: Callable[..., QuerySet], *, name: str = ""):
        self.build = build
        self.name = name or getattr(build, "__qualname__", "a prepared query")
        parameters = inspect.signature(build).parameters.values()
        self.kinds = [str if p.annotation in (str, "str") else int for p in parameters]

    def _compiled(self, using: str) -> _Compiled:
        connection = connections[using]
        # Kept on the connection's wrapper: one per thread and database, like the compiler.
        cache = connection.__dict__.setdefault("_klynge_prepared", {})
        compiled = cache.get(self)
        if compiled is None:
            compiled = cache[self] = _Compiled(self, using)
        return compiled

    def _check(self, args: tuple) -> bool:
        """Refuses arguments of the wrong kind; False when no row can match them."""
        if len(args) != len(self.kinds):
            raise TypeError(f"{self.name} takes {len(self.kinds)} parameters, not {len(args)}.")
        for value, kind in zip(args, self.kinds, strict=True):
            if type(value) is not kind:  # exactly: a bool is not an int here
                raise TypeError(f"{self.name} takes {kind.__name__}s, not {value!r}.")
            if kind is int and not _INT64[0] <= value <= _INT64[1]:
                return False  # no column holds it (the ORM leaves such a comparison out too)
        return True

    def all(self, *args: Any, using: str = DEFAULT_DB_ALIAS) -> list:
        """The rows (model instances, dicts or tuples, as the queryset would give them)."""
        return self._compiled(using).rows(args) if self._check(args) else []

    def first(self, *args: Any, using: str = DEFAULT_DB_ALIAS) -> Any:
        """The first row, or None (slice the queryset to [:1] when more rows could match)."""
        rows = self.all(*args, using=using)
        return rows[0] if rows else None


class PreparedUpdate(Prepared):
    """`build(*params).update(**values)`, compiled once per database connection."""

    def __init__(self, build: Callable[..., QuerySet], values: dict, *, name: str = ""):
        super().__init__(build, name=name)
        self.update_values = values

    def all(self, *args: Any, using: str = DEFAULT_DB_ALIAS) -> list:
        raise TypeError(f"{self.name} is an UPDATE: call update().")

    def update(self, *args: Any, using: str = DEFAULT_DB_ALIAS) -> int:
        """Updates the rows and returns how many it changed."""
        return self._compiled(using).update(args) if self._check(args) else 0


class PreparedInsert:
    """`instance.save(force_insert=True)` for new rows of `model`, compiled once per connection."""

    def __init__(self, model: type[models.Model], *, name: str = ""):
        self.model = model
        self.name = name or f"a new {model._meta.label}"
        # A model with its own save() or a parent model (two INSERTs), or a field whose SQL
        # depends on its value, is saved the ORM's way, always.
        meta = model._meta
        self.orm_only = (
            model.save is not models.Model.save
            or bool(meta.parents)
            or meta.proxy
            or meta.auto_created
            or any(
                hasattr(f, "get_placeholder") or hasattr(f, "get_placeholder_sql")
                for f in meta.local_concrete_fields
            )
        )

    def _compiled(self, connection, using: str, pk_set: bool, instance) -> tuple:
        cache = connection.__dict__.setdefault("_klynge_prepared", {})
        compiled = cache.get((self, pk_set))
        if compiled is None:
            meta = self.model._meta
            fields = [
                f
                for f in meta.local_concrete_fields
                if not f.generated and (pk_set or f is not meta.auto_field)
            ]
            returning = list(meta.db_returning_fields)
            query = sql.InsertQuery(self.model)
            query.insert_values(fields, [instance])
            compiler = query.get_compiler(using=using)
            compiler.returning_fields = returning
            statements = compiler.as_sql()
            query.objs = []  # only the SQL is kept, not the instance it was compiled with
            if len(statements) != 1 or len(statements[0][1]) != len(fields):
                raise ImproperlyConfigured(f"{self.name}: one INSERT, one value per field.")
            columns = [field.get_col(meta.db_table) for field in returning]
            compiled = cache[(self, pk_set)] = (
                statements[0][0],
                fields,
                returning,
                compiler.returning_params,
                compiler.get_converters(columns),
                compiler,
            )
        return compiled

    def insert(self, instance: models.Model, *, using: str | None = None) -> models.Model:
        """Inserts `instance` (a new row) where `save()` would, sets its generated key and
        returns it."""
        model = self.model
        if type(instance) is not model:
            raise TypeError(f"{self.name} inserts {model.__name__}s, not {instance!r}.")
        using = using or router.db_for_write(model, instance=instance)
        connection = connections[using]
        if (
            self.orm_only
            or not connection.features.can_return_columns_from_insert
            or any(
                hasattr(value, "resolve_expression") for value in instance.__dict__.values()
            )  # a database default, F(), ...: the ORM writes what it computes
        ):
            instance.save(force_insert=True, using=using)
            return instance
        instance._prepare_related_fields_for_save(operation_name="save")
        # As Model.save_base: the receivers see the instance before its fields' pre_save.
        pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
        sql_text, fields, returning, returning_params, converters, compiler = self._compiled(
            connection, using, instance._is_pk_set(), instance
        )
        values = [field.pre_save(instance, add=True) for field in fields]
        if any(hasattr(value, "resolve_expression") for value in values):
            # A receiver made a value an expression: the rest of save_base, without the
            # pre_save it has heard already.
            with transaction.mark_for_rollback_on_error(using=using):
                instance._save_table(cls=model, force_insert=True, using=using)
            return self._saved(instance, using)
        params = [
            field.get_db_prep_save(value, connection=connection)
            for field, value in zip(fields, values, strict=True)
        ]
        with transaction.mark_for_rollback_on_error(using=using):
            with connection.cursor() as cursor:
                cursor.execute(sql_text, params)
                rows = (
                    connection.ops.fetch_returned_rows(cursor, returning_params)
                    if returning
                    else []
                )
        if returning:
            if converters:
                rows = list(compiler.apply_converters(rows, converters))
            for value, field in zip(rows[0], returning, strict=True):
                setattr(instance, field.attname, value)
        return self._saved(instance, using)

    def _saved(self, instance: models.Model, using: str) -> models.Model:
        instance._state.adding, instance._state.db = False, using
        post_save.send(
            sender=self.model,
            instance=instance,
            created=True,
            update_fields=None,
            raw=False,
            using=using,
        )
        return instance
