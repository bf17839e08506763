"""The stored tables as Parquet datasets: one per table, partitioned by scenario.

Layout (beside the staging folders of :mod:`sim.experiments.store`)::

    DIR/tables/<table>/scenario=<folder>/block-00003.parquet   replications 75-99 of a table
    DIR/tables/_blocks/<folder>/block-00003.json               written last: the block is whole

A replication is first staged whole in its own folder (``DIR/runs/<folder>/rep-0077/``, written
and renamed atomically, so a killed run loses nothing stored). When every replication of a
block of ``BLOCK`` has arrived, the block's rows of each table are written as one file (rows in
replication order, a ``rep`` column first), its marker is written, and the staged folders go.
A block is read only when its marker exists, so a compaction killed half way is simply done
again from the staged folders. Each ``tables/<table>`` folder is an ordinary hive-partitioned
dataset that pyarrow, DuckDB or Polars open as they are.

Blocks hold fixed replication ranges, so the files do not depend on the order results arrive
in (engine, workers), only on what was asked.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

BLOCK = 25                 # replications per stored file: 240 files a table at 1,000 x 6
TABLES_DIR = "tables"
MARKERS = "_blocks"
STAGED = ".arrow"          # a staged table; folders of older versions hold .parquet


def block_of(rep: int) -> int:
    """The block a replication belongs to."""
    return rep // BLOCK


def block_reps(block: int, reps: int) -> range:
    """The replications of ``block`` in a comparison of ``reps`` replications."""
    return range(block * BLOCK, min((block + 1) * BLOCK, reps))


def table_file(root: Path, table: str, folder: str, block: int) -> Path:
    """The file of one table's block of a scenario."""
    return Path(root) / TABLES_DIR / table / f"scenario={folder}" / f"block-{block:05d}.parquet"


def marker_file(root: Path, folder: str, block: int) -> Path:
    """The marker saying a block of a scenario is whole in every table."""
    return Path(root) / TABLES_DIR / MARKERS / folder / f"block-{block:05d}.json"


def stored_blocks(root: Path) -> dict[str, dict[int, range]]:
    """Whole blocks by scenario folder: block -> its replications."""
    out: dict[str, dict[int, range]] = {}
    base = Path(root) / TABLES_DIR / MARKERS
    if not base.is_dir():
        return out
    for sdir in sorted(p for p in base.iterdir() if p.is_dir()):
        for path in sorted(sdir.glob("block-[0-9]*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            out.setdefault(sdir.name, {})[int(path.stem[6:])] = range(doc["first"], doc["end"])
    return out


def _repeat(value: int, n: int, kind: pa.DataType | None = None) -> pa.Array:
    """``n`` copies of an integer (``int64`` unless told)."""
    return pa.repeat(pa.scalar(value, kind or pa.int64()), n)


def write_arrow(table: pa.Table, target: Path) -> None:
    """Write a table in Arrow's file format (the caller renames the folder into place)."""
    with pa.OSFile(str(target), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
        out.write_table(table)


def staged_file(rdir: Path, table: str) -> Path:
    """A staged replication's file of ``table``: Arrow, or Parquet in older folders."""
    path = rdir / f"{table}{STAGED}"
    return path if path.is_file() or not (rdir / f"{table}.parquet").is_file() \
        else rdir / f"{table}.parquet"


def _read(path: Path, columns: list[str] | None) -> pa.Table:
    """A staged or block file, Arrow or Parquet."""
    if path.suffix == STAGED:
        with pa.OSFile(str(path), "rb") as src:
            t = pa.ipc.open_file(src).read_all()
        return t if columns is None else t.select(columns)
    return pq.read_table(path, columns=columns)


def column_names(path: Path) -> list[str] | None:
    """A stored file's columns, from its schema alone (``rep`` left out; None: unreadable)."""
    try:
        if path.suffix == STAGED:
            with pa.OSFile(str(path), "rb") as src:
                names = pa.ipc.open_file(src).schema.names
        else:
            names = pq.read_schema(path).names
    except (OSError, pa.ArrowException):
        return None     # reading it says so
    return [n for n in names if n != "rep"]


def _write_parquet(table: pa.Table, target: Path) -> None:
    """Write under a temporary name, then rename into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, target)


def compact(root: Path, folder: str, block: int, staged: list[Path], tables: Iterable[str],
            reps: range) -> None:
    """Write a block's staged replications as one file per table, then its marker.

    Args:
        root: the store's folder.
        folder: the scenario's folder name.
        block: the block number.
        staged: the block's staged replication folders, in replication order.
        tables: the table names.
        reps: the block's replications (as many as ``staged``).

    """
    for name in tables:
        parts = []
        for rep, rdir in zip(reps, staged, strict=True):
            t = _read(staged_file(rdir, name), None)
            parts.append(t.add_column(0, "rep", _repeat(rep, t.num_rows)))
        _write_parquet(pa.concat_tables(parts, promote_options="permissive"),
                       table_file(root, name, folder, block))
    marker = marker_file(root, folder, block)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_name(f".{marker.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"first": reps.start, "end": reps.stop}), encoding="utf-8")
    os.replace(tmp, marker)
    for rdir in staged:
        shutil.rmtree(rdir, ignore_errors=True)


def drop_unmarked(root: Path) -> None:
    """Remove block files that have no marker (a compaction that was killed before its end)."""
    base = Path(root) / TABLES_DIR
    if not base.is_dir():
        return
    for path in base.glob("*/scenario=*/block-*.parquet"):
        folder = path.parent.name.split("=", 1)[1]
        if not marker_file(root, folder, int(path.stem[6:])).is_file():
            path.unlink(missing_ok=True)


def read_piece(path: Path, columns: list[str] | None, categories: bool,
               rep: int | None = None, reps: range | None = None) -> pa.Table:
    """One stored file as an Arrow table with ``rep`` first (given for a staged file).

    With ``reps``, only those replications' rows.

    Raises:
        OSError, ValueError, pyarrow.ArrowException: the file is unreadable.

    """
    want = None if columns is None else [c for c in columns if c != "rep"]
    if rep is not None:
        t = _read(path, want)
        t = t.add_column(0, "rep", _repeat(rep, t.num_rows))
    else:
        t = pq.read_table(path, columns=None if want is None else ["rep", *want])
        if reps is not None:            # a block partly inside the range asked for
            t = t.filter(pc.and_(pc.greater_equal(t["rep"], reps.start),
                                 pc.less(t["rep"], reps.stop)))
    if categories:
        t = pa.table({c: (t[c].dictionary_encode() if pa.types.is_string(t[c].type)
                          or pa.types.is_large_string(t[c].type) else t[c])
                      for c in t.column_names})
    return t


def to_frame(pieces: list[tuple[str, pa.Table]], categories: bool) -> pd.DataFrame:
    """Pieces ``(scenario, table)`` as one DataFrame with ``scenario, rep`` first."""
    with_names = []
    for name, t in pieces:
        col = (pa.DictionaryArray.from_arrays(_repeat(0, t.num_rows, pa.int32()), [name])
               if categories else pa.repeat(pa.scalar(name, pa.string()), t.num_rows))
        with_names.append(t.add_column(0, "scenario", col))
    frame = pa.concat_tables(with_names, promote_options="permissive").to_pandas()
    if categories:      # sorted, as pandas orders text: groups come out in the same order
        for c in frame.columns:
            if isinstance(frame[c].dtype, pd.CategoricalDtype):
                frame[c] = frame[c].cat.reorder_categories(sorted(frame[c].cat.categories))
    return frame
