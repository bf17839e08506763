"""Tables that fit the terminal: its width, tables split by columns, blocks, wrapped notes.

A table wider than the terminal is folded by the terminal mid-row, or squeezed by rich until
its cells wrap mid-number. Here a table is measured first: if it is too wide it is split into
several tables of fewer columns, each repeating the row's name (the key column); where even
that would need too many tables, the caller prints one block per row instead
(:func:`key_value_block`). Cells never wrap (``no_wrap``), so a figure such as
``-2.7% [-10.7, +5.4]`` is always on one line.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from dataclasses import dataclass

from rich.console import Console
from rich.measure import Measurement
from rich.rule import Rule
from rich.table import Table

# Output that is not a terminal (a pipe, a log file) has no width to fit: there a sentence
# stays on one line (easiest to search), and tables fit COLUMNS if it is set, else this.
UNBOUNDED = 200
NARROWEST = 60          # below this the blocks themselves would wrap; print them as at 60


def terminal_width() -> int | None:
    """Columns to print in: ``COLUMNS`` if set, else the terminal's; None for neither."""
    columns = shutil.get_terminal_size((0, 0)).columns
    return max(NARROWEST, columns) if columns > 0 else None


def terminal_console() -> Console:
    """A console as wide as the terminal; sentences wrap on a terminal only."""
    return Console(width=terminal_width() or UNBOUNDED, soft_wrap=not sys.stdout.isatty())


@dataclass(frozen=True)
class Column:
    """A column of a table: its header, and its header where space is short (may break)."""

    header: str
    short: str | None = None
    justify: str = "right"
    title_justify: str = "center"    # of the table's title, where this is the key column
    group: bool = False               # starts a group of columns a split keeps together


def _table(title: str | None, key: Column, columns: list[Column], rows, picked: list[int],
           short: bool) -> Table:
    t = Table(title=title, title_justify=key.title_justify)
    for col in [key, *(columns[i] for i in picked)]:
        header = col.short if short and col.short else col.header
        t.add_column(header, justify=col.justify, no_wrap=True)
    for name, cells in rows:
        t.add_row(name, *(cells[i] for i in picked))
    return t


def table_width(console: Console, table: Table) -> int:
    """The width a table takes when nothing limits it."""
    return Measurement.get(console, console.options.update_width(10_000), table).maximum


def fit_tables(console: Console, title: str | None, key: Column, columns: list[Column], rows,
               most: int | None = None) -> list[Table] | None:
    """The table, or tables of fewer columns, each within the console's width.

    A split keeps the columns of a group together (from one ``Column.group`` start to the
    next) where that needs no more tables than splitting anywhere.

    Args:
        console: Where the tables will be printed (its width is the limit).
        title: Title of the (first) table.
        key: The column naming each row, repeated in every table.
        columns: The other columns, in order.
        rows: ``(name, cells)`` per row, one cell per column.
        most: The most tables to split into; None for no limit.

    Returns:
        The tables in order, or None when the split needs more than ``most`` tables. With no
        limit there is always an answer: a column too wide even beside the key alone gets a
        table of its own (the nearest to fitting there is).

    """
    every = list(range(len(columns)))
    for short in (False, True):         # short headers may break over two lines
        whole = _table(title, key, columns, rows, every, short=short)
        if table_width(console, whole) <= console.width:
            return [whole]
    groups = _split(console, key, columns, rows)
    tables = [_table(title if n == 0 else None, key, columns, rows, g, short=True)
              for n, g in enumerate(groups)]
    if most is not None and (len(tables) > most or any(
            table_width(console, t) > console.width for t in tables)):
        return None
    return tables


def _split(console: Console, key: Column, columns: list[Column], rows) -> list[list[int]]:
    """The columns' indices in tables: by groups if that costs no table more, else by column."""
    def greedy(units: list[list[int]], cap: int) -> list[list[int]]:
        """Units in order, a new table whenever the next would pass ``cap``."""
        groups: list[list[int]] = [[]]
        for unit in units:
            trial = [*groups[-1], *unit]
            if groups[-1] and table_width(console, _table(None, key, columns, rows, trial,
                                                          short=True)) > cap:
                groups.append(list(unit))
            else:
                groups[-1] = trial
        return groups

    def fits(groups: list[list[int]]) -> bool:
        return all(table_width(console, _table(None, key, columns, rows, g, short=True))
                   <= console.width for g in groups)

    def balanced(units: list[list[int]]) -> list[list[int]]:
        # As few tables as the width allows, then as even as they can be (the narrowest cap
        # that still needs no more tables), so that no table is left with a column or two.
        count = len(greedy(units, console.width))
        low, high = console.width // count, console.width
        while low < high:
            mid = (low + high) // 2
            low, high = (low, mid) if len(greedy(units, mid)) <= count else (mid + 1, high)
        return greedy(units, low)

    starts = [i for i, c in enumerate(columns) if i == 0 or c.group]
    grouped = [list(range(a, b)) for a, b in zip(starts, [*starts[1:], len(columns)],
                                                   strict=True)]
    by_column = balanced([[i] for i in range(len(columns))])
    by_group = balanced(grouped)
    if fits(by_group) and len(by_group) <= len(by_column):
        return by_group
    return by_column


def print_tables(console: Console, title: str | None, key: Column, columns: list[Column],
                 rows) -> None:
    """Print the table, split into tables of fewer columns as far as the width needs."""
    for t in fit_tables(console, title, key, columns, rows):
        console.print(t)


def key_value_block(pairs: list[tuple[str, str]]) -> Table:
    """Label and value, one pair a line (a row of a wide table, turned on its side)."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="left", no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    for label, value in pairs:
        grid.add_row(label, value)
    return grid


def print_heading(console: Console, title: str) -> None:
    """A rule with the title on its left: the terminal's width, or 80 columns in a log."""
    console.print(Rule(title, align="left"), width=80 if console.soft_wrap else console.width)


def print_wrapped(console: Console, line: str) -> None:
    """A sentence wrapped at word boundaries, continuation lines indented under its text.

    Hyphens never break a line: ``-10.7`` and ``sell-in`` stay whole. On a console that does
    not wrap (no terminal) the sentence stays one line.
    """
    if console.soft_wrap:           # no terminal: one sentence, one line
        console.print(line, markup=False, highlight=False)
        return
    indent = " " * (len(line) - len(line.lstrip(" ")))
    text = textwrap.fill(line.strip(), width=console.width, initial_indent=indent,
                         subsequent_indent=indent + "  ", break_long_words=False,
                         break_on_hyphens=False)
    console.print(text, markup=False, highlight=False, soft_wrap=True)
