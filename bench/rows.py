"""Rows inserted fast, for the benchmarks' loaders (``data.py``, ``programmes.py``).

A model instance saved through ``bulk_create`` costs about a millisecond a row on a busy
host, most of it building the statement; a plain ``executemany`` a tenth of that. ``insert``
takes tuples (for the largest tables: no model instance at all), ``create`` model instances
(when the caller needs them back with their primary keys). The database's own constraints
still apply.
"""

import functools
import operator

BATCH = 5000


def _converter(field, connection):
    """How a value of ``field`` is handed to the database driver (None: as it is)."""
    kind = field.get_internal_type()
    if kind == "DateField":  # few distinct days and times, many rows: each converted once
        return functools.lru_cache(maxsize=65536)(connection.ops.adapt_datefield_value)
    if kind == "DateTimeField":
        return functools.lru_cache(maxsize=65536)(connection.ops.adapt_datetimefield_value)
    if kind in ("JSONField", "UUIDField", "TimeField", "DecimalField"):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _execute(model, fields, rows):
    """INSERT ``rows`` (values of ``fields``, in order) with ``executemany``, in batches.

    For the largest tables: a model instance through ``bulk_create`` costs about a
    millisecond a row on a busy host, this a tenth of that. The database's own checks apply.
    """
    from django.db import connection

    converters = [_converter(f, connection) for f in fields]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(
                [
                    v if c is None or v is None else c(v)
                    for c, v in zip(converters, row, strict=True)
                ]
            )
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _stamped(field):
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _maker(field, now):
    """What a field not given takes, a row at a time: now, a new default, or the default."""
    if _stamped(field):
        return lambda: now
    if callable(field.default):
        return field.get_default
    value = field.get_default()
    return lambda: value


def insert(model, names, rows):
    """Insert ``rows``, tuples of the fields ``names`` (any iterable, made as it goes).

    The fields not named take their default (one a row for a callable default, a public id),
    ``auto_now`` fields the time now.
    """
    from django.utils import timezone

    now = timezone.now()
    named = [model._meta.get_field(name) for name in names]
    others = [f for f in model._meta.concrete_fields if not f.primary_key and f not in named]
    makers = [_maker(f, now) for f in others]
    _execute(model, named + others, ((*row, *(make() for make in makers)) for row in rows))


def create(model, objects):
    """``bulk_create``, faster (``_execute``): the objects made, their primary keys set."""
    from django.db.models import Max
    from django.utils import timezone

    objects = list(objects)
    last = model.objects.aggregate(last=Max("pk"))["last"] or 0
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    read = [(lambda o: now) if _stamped(f) else operator.attrgetter(f.attname) for f in fields]
    _execute(model, fields, ([get(o) for get in read] for o in objects))
    made = model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)
    for obj, pk in zip(objects, made, strict=True):
        obj.pk = pk
        obj._state.adding = False
    return objects
