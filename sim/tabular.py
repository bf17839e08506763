"""One strict reader for the tables people really export: CSV (any common separator) or .xlsx.

Client histories, deal exports, partner rosters and quote logs come as CSV from Excel in some
locale (commas or semicolons, a decimal comma, a BOM), as tab exports or as workbooks.
:func:`read_table` reads them into a frame of stripped strings and refuses a file it cannot
use with a :class:`TableError`: one line naming the file (and row and column where there is
one) and what to change, never a parser traceback. :meth:`Table.number` and
:meth:`Table.text` then turn columns into checked arrays, errors pointing at the file's line.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError

MAX_BYTES = 200_000_000
MAX_ROWS = 2_000_000
SEPARATORS = (",", ";", "\t", "|")
_SAMPLE_CHARS, _SAMPLE_LINES, _DECIMAL_ROWS = 65_536, 50, 10_000
_NOT_TEXT = str.maketrans("", "", ",;\t|\ufeff")
_SPACES = " \u00a0\u2009\u202f"
_KINDS = (  # how a numeric-looking cell votes on the decimal mark (first match wins)
    ("group,", re.compile(r"-?\d{1,3}(,\d{3})+")),
    ("group.", re.compile(r"-?\d{1,3}(\.\d{3})+")),
    (",", re.compile(r"-?\d{1,3}([ .\u00a0\u2009\u202f]\d{3})*,\d+|-?\d+,\d+")),
    (".", re.compile(r"-?\d{1,3}([ ,\u00a0\u2009\u202f]\d{3})*\.\d+|-?\d+\.\d+")),
)
_CSV_PROBLEMS = {
    "unexpected end of data": "unterminated quote",
    "expected after": "text after a closing quote (a quote inside a quoted value is doubled)",
    "field limit": "a value runs past 131072 characters (an unterminated quote?)",
}
Records = Iterator[tuple[int, list[str]]]


class TableError(UserError, ValueError):
    """A table file that cannot be used; ``str(exc)`` is one line starting with the file name."""


def _err(path: Path, message: str) -> TableError:
    return TableError(f"{path}: {message}")


def _show(name: str) -> str:
    return name if name.isprintable() else repr(name)


def _number_pattern(decimal: str) -> re.Pattern[str]:
    t, d = re.escape(("," if decimal == "." else ".") + _SPACES), re.escape(decimal)
    return re.compile(rf"[+\-\u2212]?(?:\d{{1,3}}(?P<t>[{t}])\d{{3}}(?:(?P=t)\d{{3}})*(?:{d}\d+)?"
                      rf"|(?:\d+(?:{d}\d+)?|{d}\d+)(?:[eE][+-]?\d+)?)", re.ASCII)


_NUMBER = {d: _number_pattern(d) for d in ".,"}


@dataclass
class Table:
    r"""A table read by :func:`read_table`.

    Attributes:
        path: The file it was read from.
        frame: Every cell as a stripped ``str`` (missing cells ``""``); columns lower-cased.
        separator: ``","``, ``";"``, ``"\t"`` or ``"|"``, or ``"xlsx"`` for a workbook.
        decimal: ``"."`` or ``","``: the decimal mark of the numeric columns.
        lines: The file line (sheet row for .xlsx) of each data row; see :meth:`row`.

    """

    path: Path
    frame: pd.DataFrame
    separator: str
    decimal: str
    lines: tuple[int, ...] = field(default=(), repr=False)

    def row(self, i: int) -> int:
        """The 1-based line of data row ``i`` in the file (header is line 1, blanks counted)."""
        return self.lines[i] if self.lines else i + 2

    def _cells(self, column: str) -> tuple[str, np.ndarray]:
        name = column.strip().lower()
        if name not in self.frame.columns:
            has = ", ".join(map(_show, self.frame.columns))
            raise _err(self.path, f"no column {name!r} (has {has})")
        return name, self.frame[name].to_numpy(dtype=object)

    def _bad(self, i: int, name: str, problem: str) -> TableError:
        return _err(self.path, f"row {self.row(i)}, column {_show(name)}: {problem}")

    def number(self, column: str, *, minimum: float | None = None, integer: bool = False,
               required: bool = True) -> np.ndarray:
        """Parse a column as numbers written with the table's decimal mark.

        Thousands separators consistent with the decimal mark are accepted (``1,234.5`` with
        ``"."``, ``1.234,5`` with ``","``, and a space, non-breaking or thin space with either),
        as are a leading sign and an exponent (``1.5e-3``).

        Args:
            column: Column name (case and surrounding spaces ignored).
            minimum: Smallest value allowed, if any.
            integer: Require whole numbers.
            required: Refuse empty cells; when False they become NaN.

        Returns:
            A float64 array, one value per data row.

        Raises:
            TableError: Naming the row's file line and the column, e.g.
                ``"deals.csv: row 7, column amount: 'abc' is not a number"``.

        """
        name, cells = self._cells(column)
        pattern, out = _NUMBER[self.decimal], np.empty(len(cells))
        drop = {ord(c): None for c in ("," if self.decimal == "." else ".") + _SPACES}
        for i, cell in enumerate(cells):
            if cell == "" and not required:
                out[i] = math.nan
                continue
            if cell == "":
                raise self._bad(i, name, "empty (a number is needed)")
            value = math.nan
            if pattern.fullmatch(cell):
                value = float(cell.translate(drop).replace("\u2212", "-").replace(",", "."))
            if not math.isfinite(value):
                raise self._bad(i, name, f"{cell!r} is not a number")
            if integer and not value.is_integer():
                raise self._bad(i, name, f"{cell!r} must be a whole number")
            if minimum is not None and value < minimum:
                raise self._bad(i, name, f"{cell!r} must be >= {minimum:g}")
            out[i] = value
        return out

    def text(self, column: str, *, allowed: Iterable[str] | None = None,
             required: bool = True) -> np.ndarray:
        """A column as strings, optionally checked against the values allowed.

        Args:
            column: Column name (case and surrounding spaces ignored).
            allowed: The values accepted (compared exactly); None accepts any.
            required: Refuse empty cells; when False they stay ``""`` (and are not checked).

        Returns:
            A numpy ``str`` array, one value per data row.

        Raises:
            TableError: For an empty cell or a value not allowed, naming row and column.

        """
        name, cells = self._cells(column)
        choices = None if allowed is None else list(dict.fromkeys(allowed))
        accepted = set(choices or ())
        for i, cell in enumerate(cells):
            if cell == "" and required:
                raise self._bad(i, name, "empty (a value is needed)")
            if cell != "" and choices is not None and cell not in accepted:
                shown = ", ".join(choices[:8]) + (", ..." if len(choices) > 8 else "")
                raise self._bad(i, name, f"{cell!r} is not one of {shown}")
        return np.asarray(cells, dtype=str)


def _name(cell: str) -> str:
    return cell.replace("\ufeff", "").strip().lower()


def _decode(p: Path, data: bytes) -> str:
    head = data[:4096]
    odd, even, half = head[1::2].count(0), head[::2].count(0), max(len(head) // 2, 1)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (max(odd, even) > 0.3 * half > 3 * min(odd, even)):
        raise _err(p, "UTF-16 text; save it as UTF-8")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _err(p, f"not UTF-8 text (byte 0x{data[exc.start]:02X} at line {line}); "
                      "save it as UTF-8") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _err(p, f"contains a NUL byte at line {line}; not a text table")
    return text


def _reader(text: str, sep: str, strict: bool):
    return csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=strict,
                      skipinitialspace=True)


def _sample(text: str, sep: str) -> list[list[str]]:
    """The first non-empty records of ``text`` split by ``sep`` (leniently, for detection)."""
    records: list[list[str]] = []
    try:
        for cells in _reader(text, sep, strict=False):
            if any(c.strip() for c in cells):
                records.append(cells)
                if len(records) > _SAMPLE_LINES:
                    break
    except csv.Error:
        pass
    return records


def _trimmed(cells: list[str]) -> int:
    """How many fields ``cells`` has once trailing empty ones are dropped."""
    return next((i + 1 for i in range(len(cells) - 1, -1, -1) if cells[i].strip()), 0)


def _separator(p: Path, text: str, required: list[str]) -> str:
    sample = text[:_SAMPLE_CHARS]
    if len(text) > _SAMPLE_CHARS:
        sample = sample[:sample.rfind("\n") + 1] or sample
    best, single = None, None
    for sep in SEPARATORS:
        records = _sample(sample, sep)
        n, body = len(records[0]) if records else 0, records[1:]
        if single is None and records and all(len(r) == 1 for r in records):
            single = sep
        named = _trimmed(records[0]) if records else 0  # trailing separators are common
        agree = sum(len(r) == n or _trimmed(r) <= named <= len(r) for r in body) / max(len(body), 1)
        if n > 1 and (agree >= 0.5 or not body):  # prefer the split that has the required columns
            score = (set(required) <= {_name(c) for c in records[0]}, agree, n)
            best = max(best or (score, sep), (score, sep), key=lambda s: s[0])
    if best or (len(required) == 1 and single):
        return best[1] if best else single
    raise _err(p, "cannot tell the column separator; use commas (or semicolons) throughout")


def _csv_records(p: Path, text: str, sep: str) -> Records:
    reader, start = _reader(text, sep, strict=True), 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = next((v for k, v in _CSV_PROBLEMS.items() if k in str(exc)), str(exc))
            raise _err(p, f"row {start}: {problem}") from None
        line, start = start, reader.line_num + 1
        cells = [c.strip() for c in cells]
        if any(cells):
            yield line, cells


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time() else v.isoformat(sep=" ")
    return v.isoformat() if isinstance(v, date | time) else str(v).strip()


def _xlsx_records(p: Path, data: bytes, sheet: str | None) -> Records:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - depends on the environment
        raise _err(p, "reading .xlsx needs openpyxl (pip install openpyxl)") from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise _err(p, "not an Excel .xlsx workbook") from None
    try:
        names = book.sheetnames
        if sheet is None and len(names) > 1:
            raise _err(p, f"has several sheets ({', '.join(names)}); name one with sheet=")
        if sheet is not None and sheet not in names:
            raise _err(p, f"has no sheet {sheet!r} (sheets: {', '.join(names)})")
        sheet = names[0] if sheet is None else sheet
        if not hasattr(book[sheet], "iter_rows"):
            raise _err(p, f"sheet {sheet!r} is a chart, not a table")
        found = False
        try:
            for line, values in enumerate(book[sheet].iter_rows(min_row=1, values_only=True), 1):
                cells = [_cell(v) for v in values]
                if any(cells):
                    found = True
                    yield line, cells
        except Exception:
            raise _err(p, f"sheet {sheet!r} cannot be read (damaged workbook?)") from None
        if not found:
            raise _err(p, f"sheet {sheet!r} is empty")
    finally:
        book.close()


def _decimal(sep: str, rows: list[list[str]]) -> str:
    if sep not in (";", "\t"):
        return "."
    votes = dict.fromkeys(("group,", "group.", ",", "."), 0)
    for cell in (c for cells in rows[:_DECIMAL_ROWS] for c in cells if c[-1:].isdigit()):
        kind = next((k for k, pattern in _KINDS if pattern.fullmatch(cell)), None)
        if kind:
            votes[kind] += 1
    if votes[","] or votes["."]:
        return "," if votes[","] > votes["."] else "."
    return "," if votes["group,"] > votes["group."] else "."


def _header(p: Path, raw: list[str], required: list[str], optional: list[str], text: str,
            separator: str) -> list[str]:
    header = [_name(c) for c in raw]
    while header and not header[-1]:
        header.pop()
    if "" in header:
        raise _err(p, f"column {header.index('') + 1} has no name in the header")
    for i, name in enumerate(header):
        if name in header[:i]:
            raise _err(p, f"column {name!r} appears twice")
    missing = [c for c in required if c not in header]
    if missing:
        needs = ", ".join(required) + (f"; may have {', '.join(optional)}" if optional else "")
        message = f"missing column(s): {', '.join(missing)} (needs {needs})"
        for other in (s for s in SEPARATORS if text and s != separator):
            first = _sample(text, other)[:1]
            if first and set(missing) <= {_name(c) for c in first[0]}:
                message += f"; the file seems to use {other!r} between columns"
                break
        raise _err(p, message)
    return header


def read_table(path: str | Path, *, required: Sequence[str], optional: Sequence[str] = (),
               sheet: str | None = None, what: str = "table") -> Table:
    """Read a CSV or .xlsx table strictly, refusing a bad file with one clean line.

    Args:
        path: The file; ``.xlsx`` is read as a workbook, anything else as CSV text.
        required: Columns the table must have (case and surrounding spaces ignored).
        optional: Columns it may have (named when required ones are missing). Any other
            column is kept in the frame too.
        sheet: The worksheet of an .xlsx with several sheets (ignored for CSV).
        what: What the file is (``"client history"``), used in the size-limit messages.

    Returns:
        The :class:`Table`, with at least one data row.

    Raises:
        TableError: One line starting with the path, e.g. ``"x.csv: the file is empty"``.

    """
    p = Path(path)
    required = [_name(c) for c in ([required] if isinstance(required, str) else required)]
    optional = [_name(c) for c in optional]
    data = _file_bytes(p, what)
    text, separator = "", "xlsx"
    if p.suffix.lower() == ".xlsx":
        records = _xlsx_records(p, data, sheet)
    else:
        text = _decode(p, data)
        if not text.translate(_NOT_TEXT).strip():
            raise _err(p, "the file is empty")
        separator = _separator(p, text, required)
        records = _csv_records(p, text, separator)
    _, raw = next(records, (0, []))
    if not raw:
        raise _err(p, "the file is empty")
    header = _header(p, raw, required, optional, text, separator)
    lines, rows = _rows(p, records, len(header), bool(text), what)
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    return Table(p, frame, separator, _decimal(separator, rows), tuple(lines))


def _file_bytes(p: Path, what: str) -> bytes:
    """The file's bytes, after checking it is a regular, readable, not too large file."""
    try:
        info = p.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise _err(p, "file not found") from None
    except OSError as exc:
        raise _err(p, f"cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise _err(p, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):  # a pipe or a device would never end
        raise _err(p, "is not a regular file")
    if info.st_size > MAX_BYTES:
        raise _err(p, f"{info.st_size / 1e6:.0f} MB is too large for a {what} (limit 200 MB)")
    if p.suffix.lower() == ".xls":
        raise _err(p, "old Excel .xls format; save it as .xlsx or CSV")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise _err(p, f"cannot read ({exc.strerror})") from None
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        raise _err(p, "the file is empty")
    return data


def _rows(p: Path, records: Records, n: int, is_text: bool,
          what: str) -> tuple[list[int], list[list[str]]]:
    """The data rows padded to ``n`` fields, and the file line of each."""
    lines, rows = [], []
    for line, cells in records:
        while len(cells) > n and not cells[-1]:
            cells.pop()
        if len(cells) > n:
            hint = " (a separator inside a value needs quotes)" if is_text else ""
            raise _err(p, f"row {line} has {len(cells)} fields, the header has {n}{hint}")
        rows.append(cells + [""] * (n - len(cells)))
        lines.append(line)
        if len(rows) > MAX_ROWS:
            raise _err(p, f"more than {MAX_ROWS:,} rows; too large for a {what}")
    if not rows:
        raise _err(p, "no rows below the header")
    return lines, rows
