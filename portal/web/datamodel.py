"""The data interface of the generated screens and APIs: FAB's, except that a database error
never reaches a page. FAB flashes ``str(error)`` of a failed add (the SQL statement, its
parameters — a new password's hash among them) and answers REST with the driver's text; here the
error is logged and the user reads what happened in their words.

Counting is bounded too: a list counts its rows only up to ``COUNT_AHEAD`` past the page shown
(FAB counts every matching row on every page view, which at a million cases costs more than the
page). Past that the count says so — "1,000+" — and paging goes on from wherever the user is.
"""

from __future__ import annotations

import enum
import logging
from operator import attrgetter
from typing import Any

from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.filters import Filters
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from sqlalchemy import JSON, bindparam, func, literal, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import defer, joinedload, load_only

from portal.access.scope import kept, written

log = logging.getLogger(__name__)


class Refused(Exception):
    """What the user is told instead of the database's text (FAB shows ``str`` of it)."""


def _said(error: Exception) -> tuple[DatabaseException, Refused]:
    if isinstance(error, IntegrityError) or isinstance(error.__cause__, IntegrityError):
        text = gettext("Not saved: another record already has this value (a name or number must "
                       "be unique), or the record is still referred to.")
    else:
        text = gettext("Not saved: the database refused the change. Nothing was written; try "
                       "again, and tell the center admin if it goes on.")
    return DatabaseException(text), Refused(text)  # FAB's REST answer prints the cause


# how far past the page shown a list counts its rows (40 pages of 25)
COUNT_AHEAD = 1000


class Count(int):
    """A list's row count that may be a lower bound: ``capped`` when more rows exist than were
    counted. Arithmetic (pages) uses the number; text shows "1,000+" ("至少" in words)."""

    capped: bool

    def __new__(cls, value: int, capped: bool = False) -> Count:
        count = super().__new__(cls, value)
        count.capped = capped
        return count

    def __str__(self) -> str:
        return f"{int(self):,}+" if self.capped else f"{int(self):,}"

    def __html__(self) -> str:
        return str(self)

    @classmethod
    def of(cls, found: int, limit: int) -> Count:
        """The count of ``found`` rows counted no further than ``limit`` (plus one)."""
        return cls(limit, capped=True) if found > limit else cls(found)


def capped_count(query: Any, limit: int) -> Count:
    """How many rows ``query`` returns, counted no further than ``limit``.

    The cap is written into the SQL, not bound: PostgreSQL plans a prepared statement once for
    any bound value, and a bound LIMIT is taken for a small one, the window's rows then found by
    walking the whole primary key backwards (0.6 → 2.9 ms at 10,000 cases)."""
    return Count.of(query.limit(literal(limit + 1, literal_execute=True)).count(), limit)


def _named_class(model: type, label: tuple[str, ...]) -> type:
    """A plain class holding the columns ``model``'s name is made of, named by its ``__str__``."""
    made = _NAMED.get(model)
    if made is None:
        def init(self: Any, *values: Any) -> None:
            for name, value in zip(label, values, strict=True):
                setattr(self, name, value)

        made = _NAMED[model] = type(f"{model.__name__}Name", (), {
            "__slots__": label, "__init__": init, "__str__": model.__str__})
    return made


_NAMED: dict[type, type] = {}


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _joined_path(model: type, path: str) -> Any:
    """A joined load along a dotted path of relationships (``branches.item``)."""
    option = None
    for name in path.split("."):
        attribute = getattr(model, name)
        option = joinedload(attribute) if option is None else option.joinedload(attribute)
        model = attribute.property.mapper.class_
    return option


def _json_deferred(model: type, but: tuple[str, ...] = ()) -> list[Any]:
    """Options leaving ``model``'s JSON columns unread (declarations, applications) but ``but``."""
    return [defer(prop.class_attribute) for prop in sa_inspect(model).column_attrs
            if isinstance(prop.columns[0].type, JSON) and prop.key not in but]


def _unread(model: type) -> list[Any]:
    """Options leaving unread what a list does not show of ``model``, a related record it names
    in a cell: all but what its name is made of (``named_by``), else its JSON columns."""
    label = getattr(model, "named_by", None)
    if label is None:
        return _json_deferred(model)
    return [load_only(*(getattr(model, name) for name in label))]


class _KeptConverter(SQLAFilterConverter):
    """FAB's filter converter, each column's filters made once per data interface. FAB builds a
    ``Filters`` of every column several times per list request (the view's, its copy, the joined
    and inner ones): 100 filter objects a time on the case list, 2.7 ms of each page view. The
    filters hold only their column and model; the lists are copied (FAB extends them in place)."""

    def convert(self, col_name: str) -> list[Any] | None:
        kept = self.datamodel.__dict__.setdefault("_kept_filters", {})
        if col_name not in kept:
            kept[col_name] = super().convert(col_name)
        made = kept[col_name]
        return list(made) if made is not None else None


class SafeInterface(SQLAInterface):
    filter_converter_class = _KeptConverter

    def query(self, filters: Filters | None = None, order_column: str = "", order_direction: str = "",
              page: int | None = None, page_size: int | None = None,
              select_columns: list[str] | None = None, outer_default_load: bool = False,
              ) -> tuple[int, list[Any]]:
        """FAB's list query, with its count bounded (``COUNT_AHEAD`` past the page)."""
        limit = (page or 0) * (page_size or 0) + COUNT_AHEAD
        one_key = len(sa_inspect(self.obj).primary_key) == 1
        if page_size and select_columns is None and one_key and not (filters is not None and filters.filters):
            # a list as it first opens, or paged or sorted (no search): statements kept
            # the count rides with the page's rows (a statement less); a page past the end
            # has no row to carry it, and is counted on its own
            counted, rows, made = self._kept_list(order_column, order_direction)
            params = {"cap": limit + 1, "offset": (page or 0) * page_size, "limit": page_size}
            found = self.session.execute(rows, params).all()
            found_count = found[0][-1] if found else self.session.scalar(counted, params)
            return Count.of(found_count or 0, limit), made(found)
        query = self.session.query(self.obj)
        counted = self._counted(query, filters, select_columns)
        count = capped_count(counted, limit)
        if select_columns is None and one_key:
            # the page's rows with their related records joined, in one statement (selectin
            # loads cost three more; a second statement joining them to the rows' keys cost 1.1
            # ms of a clerk's list on SQLite, 2.2 on PostgreSQL). The rows are read whole:
            # asked for keys alone, SQLite sorted every match of a covering index instead of
            # walking the table from its newest row (0.36 ms to 2.2 at 100,000)
            related, unread = self._shown_options()
            return count, self._entities(self.apply_all(
                query.options(*related, *unread), filters, order_column, order_direction, page,
                page_size, None, outer_default_load).all())
        query = self.apply_all(query, filters, order_column, order_direction, page, page_size,
                               select_columns, outer_default_load)
        return count, self._entities(query.all())

    def _counted(self, query: Any, filters: Filters | None, select_columns: list[str] | None = None) -> Any:
        """``query`` filtered as the list is, for its count: by key alone (the rows' columns in
        the counted subquery made SQLite read each counted row; by key, its indexes answer); on
        PostgreSQL newest first: its planner then walks the key's index from the end, through
        the rows the pages read, where unordered it scanned the table from its start through a
        ring buffer (15 ms at a million cases against 6); SQLite would sort every match (0.2 ms
        to 3.5 at 100,000)."""
        keys = [getattr(self.obj, c.key) for c in sa_inspect(self.obj).primary_key]
        counted = self._apply_inner_all(query, filters, select_columns=select_columns,
                                        aliases_mapping={}).with_entities(*keys)
        if self.session.get_bind().dialect.name == "postgresql":
            counted = counted.order_by(*(k.desc() for k in keys))
        return counted

    def _kept_list(self, order_column: str, order_direction: str) -> tuple[Any, Any]:
        """The count and the page of a list without a search, sorted as asked, built once per
        sort and kept (``kept``), the page and the count's cap bound: built again on every
        page view by FAB's filters, sorts and joins, and keyed again by SQLAlchemy and the scope
        rule, the two statements cost 0.5 ms of a clerk's case list. The page's rows carry the
        count as a column of each (a subquery the database works out once)."""
        dialect = self.session.get_bind().dialect.name
        key = (order_column, order_direction, dialect)
        made = self.__dict__.setdefault("_kept_lists", {}).get(key)
        if made is not None:
            return made
        query = self.session.query(self.obj)
        # the cap written into the SQL, as ``capped_count`` writes it, and the page's place too
        count = select(func.count()).select_from(
            self._counted(query, None).limit(written("cap")).subquery())
        light = self._light_rows(order_column, order_direction) if self.light_rows else None
        if light is not None:
            rows, make = light
        else:
            related, unread = self._shown_options()
            rows = self.apply_all(query.options(*related, *unread), None, order_column,
                                  order_direction).statement

            def make(found: list[Any]) -> list[Any]:
                return [row[0] for row in found]
        page = rows.offset(written("offset")).limit(written("limit")).add_columns(count.scalar_subquery())
        made = self._kept_lists[key] = (kept(count), kept(page), make)
        return made

    # a list's rows read as plain rows where it can (``_light_rows``); off: as records
    light_rows = True

    def _light_rows(self, order_column: str, order_direction: str) -> tuple[Any, Any] | None:
        """The page's rows as the list shows them, without making records: the columns it shows
        and, for each related record it names, the columns its name is made of (``named_by``),
        joined. Each row becomes a plain object with those attributes, a related record one
        named by its model's own ``__str__``: making 25 cases and their items, sub-centers and
        windows as records (each unread column given a loader) was a seventh of the list.
        ``None`` when a shown column is anything else (a property, a collection, a related
        record not named by columns) or the list is sorted by a related record: then records."""
        mapper = sa_inspect(self.obj)
        keys = mapper.primary_key
        if not self.shown or len(keys) != 1 or (order_column and order_column not in mapper.column_attrs):
            return None
        names = [keys[0].key, *(c for c in self.shown if c in mapper.column_attrs)]
        columns = [getattr(self.obj, n) for n in names]  # the record's own first, then each named
        joins, named = [], []
        for c in self.shown:
            if c in mapper.column_attrs:
                continue
            relation = mapper.relationships.get(c)
            model = relation.mapper.class_ if relation is not None else None
            label = getattr(model, "named_by", None)
            if relation is None or relation.uselist or not label or len(relation.local_remote_pairs) != 1:
                return None
            local, remote = relation.local_remote_pairs[0]
            if any(other is model for other, _ in joins):  # joined once only (unaliased: the
                return None                                # scope rule's criteria name the table)
            other = model
            joins.append((other, local == getattr(other, remote.key)))
            start = len(columns)
            columns += [getattr(other, remote.key), *(getattr(other, n) for n in label)]
            named.append((c, start, len(label), _named_class(model, label)))
        statement = select(*columns)
        for other, on in joins:
            statement = statement.outerjoin(other, on)
        if order_column:
            by = getattr(self.obj, order_column)
            statement = statement.order_by(by.asc() if order_direction == "asc" else by.desc())
        row_class = type(f"{self.obj.__name__}Row", (), {"__slots__": (*names, *(c for c, *_ in named))})

        def make(found: list[Any]) -> list[Any]:
            out, kept_names = [], {}
            for row in found:
                record = row_class()
                for name, value in zip(names, row, strict=False):
                    setattr(record, name, value)
                for column, start, size, named_class in named:
                    key = (column, row[start])
                    value = kept_names.get(key)
                    if value is None and row[start] is not None:
                        value = kept_names[key] = named_class(*row[start + 1:start + 1 + size])
                    setattr(record, column, value)
                out.append(record)
            return out

        return statement, make

    def get_values(self, lst: Any, list_columns: list[str]) -> Any:
        """FAB's, each column read by a reader found once per list of columns: FAB asks of every
        cell whether the record has the attribute, whether it is callable and whether it is an
        enum (175 cells on a page of cases, a tenth of the list's time)."""
        readers = self.__dict__.setdefault("_readers", {}).get(tuple(list_columns))
        if readers is None:
            readers = self._readers[tuple(list_columns)] = [(c, self._reader(c)) for c in list_columns]
        for item in lst:
            yield {c: read(item) for c, read in readers}

    def _reader(self, column: str) -> Any:
        """How FAB reads ``column`` of a record: a relationship plainly, a mapped column plainly
        but an enum member's value (``StrEnum`` states are set as members); anything else (a
        property, a method, a dotted path) as FAB does."""
        mapper = sa_inspect(self.obj)
        if column in mapper.relationships:
            return attrgetter(column)
        if column in mapper.column_attrs:
            return lambda item: _enum_value(getattr(item, column))
        return lambda item: self._get_attr_value(item, column)

    def _entities(self, rows: list[Any]) -> list[Any]:
        """The records of a page (FAB's query gives rows of several entities when it orders by a
        related column)."""
        if rows and not isinstance(rows[0], self.obj) and hasattr(rows[0], self.obj.__name__):
            return [getattr(row, self.obj.__name__) for row in rows]
        return rows

    # the columns a list screen shows (the generator sets them): their related records are joined
    # to the page's rows, JSON columns not shown are left unread
    shown: tuple[str, ...] = ()
    # the columns its show page shows: their related records are joined to the record
    shown_one: tuple[str, ...] = ()
    # more relationships its show page reads, dotted paths (``branches.item``): joined too
    joined_one: tuple[str, ...] = ()

    def get(self, id: Any, filters: Filters | None = None, select_columns: list[str] | None = None,
            outer_default_load: bool = False) -> Any:
        """One record, with the records its show page names (item, sub-center, window …) joined
        in the same statement: FAB's get loaded each of them on its own when the page read it
        (four more statements on a case's page). Anything FAB's get does besides — base
        filters, chosen columns, composite keys — goes to FAB's get."""
        keys = sa_inspect(self.obj).primary_key
        if (filters is not None and filters.filters) or select_columns or len(keys) != 1 \
                or not self.shown_one:
            return super().get(id, filters, select_columns, outer_default_load)
        try:
            key = keys[0].type.python_type(id)
        except (TypeError, ValueError, NotImplementedError):
            return None
        if "_one" not in self.__dict__:  # built once, the key bound (``kept``)
            # (the related records' JSON columns — an item's whole declaration, a form's
            # schema — left unread: the page names them; a part that reads one loads it then)
            options = [joinedload(getattr(self.obj, c)).options(*_json_deferred(self.get_related_model(c)))
                       for c in self.shown_one if self.is_relation_many_to_one(c)] + [
                      _joined_path(self.obj, path) for path in self.joined_one]
            self._one = kept(select(self.obj).options(*options)
                             .where(getattr(self.obj, keys[0].key) == bindparam("portal_key")))
        return self.session.execute(self._one, {"portal_key": key}).unique().scalar_one_or_none()

    def _shown_options(self) -> tuple[list[Any], list[Any]]:
        """The loader options of a list: its related records joined, and of the record only the
        columns it shows read when each of them is a mapped column or relationship (a case has
        thirty columns and its list shows seven: reading them all was a tenth of the list),
        else its JSON columns not shown left unread (made once: options are immutable, and
        reused)."""
        if "_options" not in self.__dict__:
            mapper = sa_inspect(self.obj)
            columns = [c for c in self.shown if c in mapper.column_attrs]
            plain = all(c in mapper.column_attrs or c in mapper.relationships for c in self.shown)
            self._options = (
                [joinedload(getattr(self.obj, c)).options(*_unread(self.get_related_model(c)))
                 for c in self.shown if self.is_relation_many_to_one(c)],
                [load_only(*(getattr(self.obj, c) for c in columns))] if plain and columns
                else _json_deferred(self.obj, but=self.shown))
        return self._options

    def get_related_obj(self, col_name: str, value: Any) -> Any:
        """FAB's, through ``Session.get`` (FAB's legacy ``Query.get`` warned on every related
        list of a many-to-many, e.g. a role's users)."""
        return self.session.get(self.get_related_model(col_name), value)

    def add(self, item: Any, commit: bool = True) -> None:
        self._said_if_refused(super().add, item, commit, SQLAlchemyError)

    def edit(self, item: Any, commit: bool = True) -> None:
        self._said_if_refused(super().edit, item, commit, DatabaseException)

    def delete(self, item: Any, commit: bool = True) -> None:
        self._said_if_refused(super().delete, item, commit, DatabaseException)

    @staticmethod
    def _said_if_refused(write: Any, item: Any, commit: bool, raised: type[Exception]) -> None:
        """FAB's write; what it raises (it has logged it and rolled back) in the user's words."""
        try:
            write(item, commit)
        except raised as error:
            said, cause = _said(error)
            raise said from cause
