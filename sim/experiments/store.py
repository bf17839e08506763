"""The result store: one folder per comparison, written so that a killed run resumes.

Layout::

    DIR/manifest.json                          what was asked (scenarios' hashes, seed, ...)
    DIR/runs/<scenario>/rep-0007/kpis.parquet  the tables of one replication

A replication's folder is written under a temporary name and renamed when complete, so a
folder that exists is always whole; one that does not is simply run again. A temporary
folder left by a process that was killed mid-write is removed when the store is reopened.
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

from sim.errors import UserError
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
        """Folder of one replication's tables."""
        return self.root / "runs" / safe_name(scenario) / f"rep-{rep:04d}"

    def done(self, scenario: str, rep: int) -> bool:
        """True when the replication is stored whole."""
        return self.rep_dir(scenario, rep).is_dir()

    def write(self, scenario: str, rep: int, tables: dict[str, pd.DataFrame]) -> None:
        """Store one replication's tables atomically (folder renamed when complete)."""
        final = self.rep_dir(scenario, rep)
        tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        try:
            write_tables(tmp, tables)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def read(self, table: str = "kpis") -> pd.DataFrame:
        """All stored replications of one table, with ``scenario`` and ``rep`` columns first."""
        if table not in TABLES:
            raise StoreError(f"unknown table {table!r}; one of {', '.join(TABLES)}")
        frames = []
        runs = self.root / "runs"
        for sdir in sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []:
            for rdir in sorted(sdir.glob("rep-[0-9][0-9][0-9][0-9]")):
                try:
                    df = pd.read_parquet(rdir / f"{table}.parquet")
                except (OSError, ValueError) as exc:
                    raise StoreError(f"{rdir / (table + '.parquet')} is unreadable "
                                     f"({exc.__class__.__name__}); remove {rdir} and rerun "
                                     "to recompute it") from None
                df.insert(0, "rep", int(rdir.name[4:]))
                df.insert(0, "scenario", sdir.name)
                frames.append(df)
        if not frames:
            raise StoreError(f"{self.root} holds no results")
        return pd.concat(frames, ignore_index=True)


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
