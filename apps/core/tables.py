"""One table helper for every list: sorting, paging and CSV export.

Views build a `Table` from a queryset (or a list of dicts) and a list of columns;
the `_table.html` partial renders it; `?format=csv` returns every row as CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _

# Spreadsheet programs execute a cell that starts with one of these (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def plain(value: float | None, digits: int = 1) -> int | float | None:
    """A number for a CSV export: rounded to the page's precision, written with a dot and
    no grouping (``26460``, ``-1234.5``), never ``26459.999999999996``; None stays empty."""
    if value is None or not math.isfinite(float(value)):
        return None
    rounded = round(float(value), digits)
    if digits <= 0:
        return int(rounded)
    return rounded + 0.0  # -0.0 → 0.0


def measure_digits(value: float | None, metric: Any = None) -> int:
    """The decimals a page shows a metric's value with (the `measure` filter): money 0;
    else 0 from 1,000, 1 from 10, 2 below."""
    if value is None:
        return 0
    if getattr(metric, "is_monetary", False):
        return 0
    magnitude = abs(float(value))
    return 0 if magnitude >= 1000 else (1 if magnitude >= 10 else 2)


def export_value(value: Any, digits: int | None = None) -> Any:
    """A cell as an analyst reads it in a CSV: booleans as yes/no (translated), numbers as
    plain decimals with a dot rounded to ``digits`` (floats without a column precision as the
    page's ``cell`` filter shows them: one decimal), dates and times ISO, lazy strings as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return value if digits is None else plain(value, digits)
    if isinstance(value, Decimal):
        # An amount already rounded to its currency's minor unit (incentives) keeps its cents.
        if not value.is_finite():
            return None
        if value.as_tuple().exponent > 0:
            value = value.quantize(Decimal(1))
        if digits is not None:
            value = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        return value + 0  # -0.00 → 0.00; str() of a quantized Decimal has no exponent
    if isinstance(value, float):
        return plain(value, 1 if digits is None else digits)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    return value


def csv_safe(value: Any) -> Any:
    """Neutralise a cell that a spreadsheet would run as a formula.

    Numbers stay numbers (a negative number is data, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_download(filename: str, header, rows) -> HttpResponse:
    """A CSV attachment; every cell is neutralised against formula injection."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(filename) or "export"}.csv"'
    writer = csv.writer(response)
    # Header cells too: a column label can carry user text (a metric or department name).
    writer.writerow([csv_safe(str(h)) for h in header])
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return response


@dataclass
class Column:
    key: str
    label: str
    sort: str | None = None  # ORM ordering expression; None = not sortable
    numeric: bool = False
    value: Callable[[Any], Any] | None = None  # how to read the cell from a row
    link: Callable[[Any], str | None] | None = None
    template: str | None = None  # a partial to render the cell (gets `row`, `cell`)
    unit: str | None = None  # shown in the CSV header: "Cost (EUR)"
    digits: int | None = None  # decimals the page shows; the CSV rounds to the same

    @property
    def export_label(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else str(self.label)

    def export(self, row: Any) -> Any:
        """The cell for a CSV export: a choice field as its words (``get_FOO_display``, in
        the active language), not its code; everything else through `export_value`."""
        if self.value is None and not isinstance(row, dict) and "__" not in self.key:
            display = getattr(row, f"get_{self.key}_display", None)
            if callable(display):
                return str(display())
        return export_value(self.read(row), self.digits)

    def read(self, row: Any) -> Any:
        if self.value is not None:
            return self.value(row)
        if isinstance(row, dict):
            return row.get(self.key)
        result = row
        for part in self.key.split("__"):
            result = getattr(result, part, None) if result is not None else None
        return result


@dataclass
class Table:
    request: Any
    rows: Any  # QuerySet or sequence
    columns: Sequence[Column]
    default_sort: str | None = None
    per_page: int = 25
    export_name: str = "export"
    row_class: Callable[[Any], str] | None = None
    # The period and scope every CSV row carries (DESIGN §7: "every table exports CSV with
    # its period and scope"). A list that is a state rather than a period's figures (plans,
    # people) is "as of" the day it is exported; the scope is a label as the API's (`org`,
    # `dept:CS`). A table with a column of its own named "period" keeps that column instead.
    export_period: str | None = None
    export_scope: str | None = None
    _page: Any = field(default=None, init=False)

    @property
    def sort_key(self) -> str | None:
        requested = self.request.GET.get("sort") or self.default_sort
        if not requested:
            return None
        bare = requested.lstrip("-")
        if any(c.key == bare and c.sort for c in self.columns):
            return requested
        return None

    def ordered_rows(self):
        key = self.sort_key
        rows = self.rows
        if key is None:
            return rows
        column = next(c for c in self.columns if c.key == key.lstrip("-"))
        descending = key.startswith("-")
        if hasattr(rows, "order_by"):
            expr = column.sort
            return rows.order_by(f"-{expr}" if descending else expr, "pk")
        return sorted(
            rows,
            key=lambda r: (column.read(r) is None, column.read(r) if column.read(r) is not None else 0),
            reverse=descending,
        )

    @property
    def page(self):
        if self._page is None:
            paginator = Paginator(self.ordered_rows(), self.per_page)
            self._page = paginator.get_page(self.request.GET.get("page"))
        return self._page

    def body(self) -> list[dict]:
        out = []
        for row in self.page.object_list:
            cells = []
            for column in self.columns:
                cells.append(
                    {
                        "value": column.read(row),
                        "numeric": column.numeric,
                        "link": column.link(row) if column.link else None,
                        "template": column.template,
                        "digits": column.digits,
                        "column": column,
                    }
                )
            out.append({"row": row, "cells": cells, "css": self.row_class(row) if self.row_class else ""})
        return out

    def header(self) -> list[dict]:
        current = self.sort_key
        params = self.request.GET.copy()
        params.pop("page", None)
        out = []
        for column in self.columns:
            entry = {"label": column.label, "numeric": column.numeric, "url": None, "state": ""}
            if column.sort:
                next_sort = "-" + column.key if current == column.key else column.key
                params["sort"] = next_sort
                entry["url"] = "?" + params.urlencode()
                if current == column.key:
                    entry["state"] = "asc"
                elif current == "-" + column.key:
                    entry["state"] = "desc"
            out.append(entry)
        return out

    def export_url(self) -> str:
        params = self.request.GET.copy()
        params.pop("page", None)
        params["format"] = "csv"
        return "?" + params.urlencode()

    def page_url(self, number: int) -> str:
        params = self.request.GET.copy()
        params["page"] = number
        return "?" + params.urlencode()

    def wants_csv(self) -> bool:
        return self.request.GET.get("format") == "csv"

    def export_lead(self) -> tuple[list[str], list[str]]:
        """The leading header cells and values: period (unless a column is the period) and scope."""
        header, values = [], []
        if not any(c.key == "period" for c in self.columns):
            header.append("period")
            values.append(str(self.export_period or timezone.localdate().isoformat()))
        header.append("scope")
        values.append(str(self.export_scope or "org"))
        return header, values

    def csv_response(self) -> HttpResponse:
        rows = self.ordered_rows()
        iterator = rows.iterator(chunk_size=2000) if hasattr(rows, "iterator") else rows
        lead_header, lead = self.export_lead()
        return csv_download(
            self.export_name,
            [*lead_header, *(c.export_label for c in self.columns)],
            ([*lead, *(c.export(r) for c in self.columns)] for r in iterator),
        )

    def context(self) -> dict:
        page = self.page
        return {
            "table": self,
            "header": self.header(),
            "body": self.body(),
            "page_obj": page,
            "prev_url": self.page_url(page.previous_page_number()) if page.has_previous() else None,
            "next_url": self.page_url(page.next_page_number()) if page.has_next() else None,
        }
