"""The result store: one folder per comparison, written so that a killed run resumes.

Layout::

    DIR/manifest.json                                  what was asked (hashes, seed, reps...)
    DIR/tables/<table>/scenario=<name>/block-00000.parquet   replications 0-24 of a table
    DIR/runs/<scenario>/rep-0007/kpis.arrow            a replication staged until its block
                                                       is whole (older versions: kpis.parquet)

A replication's staging folder is written under a temporary name and renamed when complete,
so a folder that exists is always whole; one that does not is simply run again. A temporary
folder left by a process that was killed mid-write is removed when the store is reopened.
Whole blocks of replications become one file per table (:mod:`sim.experiments.dataset`), so
a thousand futures are a few hundred files, and a reader takes only the columns and
scenarios it asks for.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd
import pyarrow as pa

from sim.errors import UserError
from sim.experiments import dataset
from sim.scenario import Scenario

TABLES = ("kpis", "by_region", "conflicts", "agents", "flows", "deals")
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class StoreError(UserError, RuntimeError):
    """The output folder cannot be used (other comparison, unwritable, corrupt)."""


def package_version() -> str:
    """The installed channelsim version."""
    try:
        return version("channelsim")
    except PackageNotFoundError:
        return "0+unknown"


def scenario_hash(sc: Scenario) -> str:
    """SHA-256 of the resolved scenario (after ``extends``) and the policy it starts from."""
    blob = json.dumps({"scenario": sc.model_dump(mode="json"),
                       "before": sc.policy_before.model_dump(mode="json")}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def folder_name(label: str) -> str:
    """A results-folder name for any scenario name: itself when safe, else a safe spelling.

    Letters with accents lose them, other characters become ``-``, and a short hash of the
    real name keeps two names that spell alike apart (``мой план`` -> ``plan-3f2a91c0``).
    """
    if _SAFE.match(label) and label not in (".", ".."):
        return label
    import unicodedata

    ascii_ = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_).strip("-.")
    digest = hashlib.sha256(label.encode()).hexdigest()[:8]
    return f"{slug}-{digest}" if slug else f"scenario-{digest}"


def safe_name(name: str) -> str:
    """A scenario name usable as a folder name, or a StoreError (no ``../`` escapes)."""
    if not _SAFE.match(name) or name in (".", ".."):
        raise StoreError(f"scenario name {name!r} cannot name a results folder")
    return name


def write_atomic(path: Path, text: str) -> None:
    """Write a text file under a temporary name, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def stage_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Write the tables of a run as Arrow files in ``folder`` (staging, until its block).

    Arrow's file format, uncompressed: a few milliseconds a table to write and to read back,
    where Parquet costs tens; the block's Parquet file is what is kept.
    """
    for name in TABLES:
        dataset.write_arrow(pa.Table.from_pandas(tables[name], preserve_index=False),
                            Path(folder) / f"{name}{dataset.STAGED}")


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Write the tables of a run as Parquet files in ``folder``, each atomically."""
    for name in TABLES:
        target = Path(folder) / f"{name}.parquet"
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        tables[name].to_parquet(tmp, index=False)
        os.replace(tmp, target)


_TMP = re.compile(r"^\..+\.tmp-(\d+)$")


def _alive(pid: int) -> bool:
    """True when a process with this id runs (its temporary files may still be growing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def sweep_stale(folder: Path) -> None:
    """Remove the temporary files and folders of killed writers under ``folder``.

    Each writer names its temporary ``.<name>.tmp-<pid>``; a pid that no longer runs cannot
    finish its rename, so what it left is garbage (and would be read as results).
    """
    for path in Path(folder).rglob(".*.tmp-*"):
        match = _TMP.match(path.name)
        if match and path.exists() and not _alive(int(match.group(1))):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


class ResultStore:
    """A comparison's folder of results."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._blocks: dict[str, dict[int, range]] | None = None

    @classmethod
    def open(cls, root: Path, manifest: dict) -> ResultStore:
        """Create the folder with ``manifest``, or reopen it if the manifest matches.

        Raises:
            StoreError: the folder holds another comparison, or cannot be written.

        """
        store = cls(root)
        path = store.root / "manifest.json"
        try:
            store.root.mkdir(parents=True, exist_ok=True)
            if path.exists():
                old = json.loads(path.read_text(encoding="utf-8"))
                keys = sorted(set(old) | set(manifest))
                diff = [k for k in keys if old.get(k) != manifest.get(k)]
                if diff:
                    raise StoreError(
                        f"{store.root} holds results of a different "
                        f"{manifest.get('kind', 'comparison')} ({', '.join(diff)} "
                        "differ); choose another --out or remove the folder")
            else:
                write_atomic(path, json.dumps(manifest, indent=2, sort_keys=True))
            (store.root / "runs").mkdir(exist_ok=True)
            sweep_stale(store.root)
            store.settle()
        except json.JSONDecodeError:
            raise StoreError(f"{path} is not a readable manifest; remove the folder") from None
        except OSError as exc:
            raise StoreError(f"{store.root}: cannot write results "
                             f"({exc.strerror or exc.__class__.__name__})") from None
        return store

    def manifest(self) -> dict:
        """The manifest of this folder."""
        return json.loads((self.root / "manifest.json").read_text(encoding="utf-8"))

    def save_scenarios(self, scenarios: dict[str, Scenario]) -> None:
        """Keep each resolved scenario (and the policy it starts from) for reports."""
        folder = self.root / "scenarios"
        folder.mkdir(exist_ok=True)
        for name, sc in scenarios.items():
            doc = {"scenario": sc.model_dump(mode="json"),
                   "policy_before": sc.policy_before.model_dump(mode="json")}
            write_atomic(folder / f"{safe_name(name)}.json",
                         json.dumps(doc, indent=1, sort_keys=True))

    def scenario(self, name: str) -> dict:
        """A stored scenario as saved by :meth:`save_scenarios`."""
        path = self.root / "scenarios" / f"{safe_name(name)}.json"
        return json.loads(path.read_text(encoding="utf-8"))

    def rep_dir(self, scenario: str, rep: int) -> Path:
        """Staging folder of one replication's tables."""
        return self.root / "runs" / safe_name(scenario) / f"rep-{rep:04d}"

    @property
    def blocks(self) -> dict[str, dict[int, range]]:
        """Whole blocks by scenario folder (read once, kept up to date by this store)."""
        if self._blocks is None:
            self._blocks = dataset.stored_blocks(self.root)
        return self._blocks

    def _in_block(self, scenario: str, rep: int) -> bool:
        return dataset.block_of(rep) in self.blocks.get(scenario, {})

    def done(self, scenario: str, rep: int) -> bool:
        """True when the replication is stored whole."""
        return self._in_block(safe_name(scenario), rep) or self.rep_dir(scenario, rep).is_dir()

    def _reps(self) -> int | None:
        """Replications asked for (None for a folder whose manifest does not say).

        Read once: the manifest of an open store does not change.
        """
        if not hasattr(self, "_total"):
            try:
                reps = self.manifest().get("reps")
            except (OSError, json.JSONDecodeError):
                reps = None
            self._total = reps if isinstance(reps, int) else None
        return self._total

    def write(self, scenario: str, rep: int, tables: dict[str, pd.DataFrame]) -> None:
        """Store one replication's tables atomically (folder renamed when complete).

        When it completes its block, the block is written as one file per table.
        """
        final = self.rep_dir(scenario, rep)
        tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        try:
            stage_tables(tmp, tables)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        reps = self._reps()
        if reps is not None:
            self._compact(safe_name(scenario), dataset.block_of(rep), reps)

    def _compact(self, folder: str, block: int, reps: int) -> None:
        """Write ``block`` of ``folder`` as one file per table once all of it is staged."""
        members = dataset.block_reps(block, reps)
        staged = [self.root / "runs" / folder / f"rep-{r:04d}" for r in members]
        if block in self.blocks.get(folder, {}) or not all(p.is_dir() for p in staged):
            return
        dataset.compact(self.root, folder, block, staged, TABLES, members)
        self.blocks.setdefault(folder, {})[block] = members

    def settle(self) -> None:
        """Finish what a killed run left.

        Blocks with a file missing are dropped (to be run again), staged folders of whole
        blocks removed, and blocks whose replications are all staged written.
        """
        dataset.drop_unmarked(self.root)
        self._blocks = dataset.stored_blocks(self.root)
        for folder, blocks in self._blocks.items():
            for block in [b for b in blocks if not all(
                    dataset.table_file(self.root, t, folder, b).is_file() for t in TABLES)]:
                dataset.marker_file(self.root, folder, block).unlink()
                del blocks[block]
        dataset.drop_unmarked(self.root)
        reps = self._reps()
        for folder, rep, rdir in self._staged():
            if self._in_block(folder, rep):
                shutil.rmtree(rdir, ignore_errors=True)
            elif reps is not None and rep < reps:
                self._compact(folder, dataset.block_of(rep), reps)

    def _staged(self) -> list[tuple[str, int, Path]]:
        """Staged replications ``(folder, rep, path)``, in folder and replication order."""
        runs = self.root / "runs"
        return [(sdir.name, int(rdir.name[4:]), rdir)
                for sdir in (sorted(p for p in runs.iterdir() if p.is_dir())
                             if runs.is_dir() else [])
                for rdir in sorted(sdir.glob("rep-[0-9][0-9][0-9][0-9]"))]

    def _pieces(self, table: str, scenarios: list[str] | None,
                reps: range | None = None) -> list[tuple[str, int, Path, int | None]]:
        """What holds a table: ``(folder, first rep, file, rep if staged)``, in order."""
        blocks = dataset.stored_blocks(self.root)
        pieces = [(folder, reps.start, dataset.table_file(self.root, table, folder, b), None)
                  for folder, held in blocks.items() for b, reps in held.items()]
        pieces += [(folder, rep, dataset.staged_file(rdir, table), rep)
                   for folder, rep, rdir in self._staged()
                   if dataset.block_of(rep) not in blocks.get(folder, {})]
        if scenarios is not None:
            keep = {safe_name(s) for s in scenarios}
            pieces = [p for p in pieces if p[0] in keep]
        if reps is not None:
            pieces = [p for p in pieces if (p[3] in reps if p[3] is not None else
                                            any(r in reps for r in range(p[1], p[1]
                                                                         + dataset.BLOCK)))]
        return sorted(pieces, key=lambda p: (p[0], p[1]))

    def read(self, table: str = "kpis", columns: list[str] | None = None,  # noqa: PLR0913
             scenarios: list[str] | None = None, categories: bool = False,
             reps: range | None = None) -> pd.DataFrame:
        """Stored replications of one table, with ``scenario`` and ``rep`` columns first.

        Args:
            table: one of ``TABLES``.
            columns: the table's columns to read (default: all); ``scenario`` and ``rep``
                always come first.
            scenarios: the scenarios to read (default: all).
            categories: text columns (and ``scenario``) as categories, which takes a
                fraction of the memory of strings on large tables.
            reps: the replications to read (default: all); a range of whole blocks opens
                only their files.

        Raises:
            StoreError: unknown table or column, unreadable file, or nothing stored.

        """
        if table not in TABLES:
            raise StoreError(f"unknown table {table!r}; one of {', '.join(TABLES)}")
        pieces = self._pieces(table, scenarios, reps)
        if not pieces:
            raise StoreError(f"{self.root} holds no results")
        if not any(p[2].is_file() for p in pieces):
            raise StoreError(f"{self.root} holds no {table} table (results of a version "
                             "before it)")
        want = None if columns is None else [c for c in columns if c != "scenario"]
        names = None if want is None else dataset.column_names(pieces[0][2])
        if names is not None:
            have = ["rep", *names]
            unknown = [c for c in want if c not in have]
            if unknown:
                raise StoreError(f"table {table} has no column {unknown[0]!r}; it has "
                                 f"{', '.join(have)}")
        read = []
        for folder, _, path, rep in pieces:
            try:
                read.append((folder, dataset.read_piece(path, want, categories, rep, reps)))
            except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
                raise StoreError(f"{path} is unreadable ({exc.__class__.__name__}); remove "
                                 f"{path.parent if rep is not None else path} and rerun to "
                                 "recompute it") from None
        return dataset.to_frame(read, categories)


class OutcomeStore(ResultStore):
    """A study's folder (sensitivity, discovery, optimisation): scalar outcomes per run.

    Layout::

        DIR/manifest.json                          what was asked
        DIR/outcomes/<scenario>/p-00012-r-0003.json  outcomes of point 12, replication 3

    Each file holds the values the run was made with, so a stale file (another design at
    the same index) is recognised and run again.
    """

    def outcome_path(self, scenario: str, point: int, rep: int) -> Path:
        """File of one run's outcomes."""
        return self.root / "outcomes" / safe_name(scenario) / f"p-{point:05d}-r-{rep:04d}.json"

    def stored(self, scenario: str, point: int, rep: int, values: dict) -> dict | None:
        """The stored outcomes of a run made with ``values``, or None."""
        path = self.outcome_path(scenario, point, rep)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        return doc["outcomes"] if doc.get("values") == values else None

    def write_outcome(self, scenario: str, point: int, rep: int, values: dict,
                      outcomes: dict) -> None:
        """Store one run's outcomes atomically."""
        path = self.outcome_path(scenario, point, rep)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"values": values, "outcomes": outcomes}))
