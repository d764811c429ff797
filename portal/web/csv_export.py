"""CSV export of a list screen, with the filters and order the user chose there."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, stream_with_context
from flask_appbuilder import expose, has_access
from flask_appbuilder.urltools import get_filter_args
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from portal.access.scope import current_scope
from portal.core.spreadsheet import inert
from portal.web.current import center_zone

# the last row of every CSV: a file without it was cut off (a dropped connection, a killed worker)
END_ROW = _l("End of export: %(rows)s records")
BATCH = 1000  # rows read, written and let go at a time


def csv_response(filename: str, labels: list[str], table: Iterable[list[Any]]) -> Response:
    """A CSV download that Excel opens right (UTF-8 with a BOM), streamed in blocks of rows as
    they are read, so memory stays flat whatever the size; no cell is ever read as a formula
    (``portal.core.spreadsheet.inert``). The last row says the export is whole and how many
    records it holds: a download cut off midway lacks it."""

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # Excel opens UTF-8 Chinese correctly with a BOM
        writer.writerow([inert(v) for v in labels])
        number = 0
        for number, values in enumerate(table, 1):
            writer.writerow([inert(v) for v in values])
            if number % BATCH == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        writer.writerow([str(END_ROW) % {"rows": number}])
        yield buffer.getvalue()

    return Response(stream_with_context(lines()), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


class CsvExport:
    """Mixin for a FAB ModelView: ``/<view>/export.csv`` under the view's read permission."""

    # more columns after the list's: (header msgid, row -> text)
    export_extras: tuple[tuple[str, Any], ...] = ()

    @expose("/export.csv")
    @has_access
    def export(self) -> Response:
        """The list as CSV, with the filters and order of the screen it was asked from: read
        in batches while it is sent (the scope rule applies as on the screen), each batch let
        go of once written."""
        get_filter_args(self._filters)
        current_scope()  # worked out now, while the user's record can still be read
        order_column, direction = self.order()
        joined = self._filters.get_joined_filters(self._base_filters)
        datamodel = self.datamodel
        columns = list(self.list_columns)
        labels = [str(self.label_columns.get(c, c)) for c in columns]
        labels += [gettext(header) for header, _ in self.export_extras]
        shown = {c: self.formatters_columns.get(c, cell) for c in columns}
        extras = [extra for _, extra in self.export_extras]

        def table() -> Iterator[list[Any]]:
            # the query is made here, as the response streams: the view's own session is closed
            # when the view returns, and a query made on it would hold a connection no one frees
            session = datamodel.session()
            query = datamodel.apply_all(session.query(datamodel.obj), joined, order_column, direction)
            try:
                for row in query.yield_per(BATCH):
                    yield [shown[c](getattr(row, c)) for c in columns] + [extra(row) for extra in extras]
                    session.expunge(row)  # written: the session does not keep a million rows
            finally:
                session.close()

        return csv_response(f"{self.class_permission_name}.csv", labels, table())


def cell(value: Any) -> str:
    """A value as a person reads it: 是/否, local time to the minute, lists joined, no 'None'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):  # stored in UTC (naive on SQLite): shown in the center's zone
        # (Babel's format_datetime parses its pattern on each call: 0.1 ms a cell; its
        # to_user_timezone, through pytz, 11 µs)
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(center_zone()).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)
