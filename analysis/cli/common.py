"""What every command shares: one-line refusals, loading scenarios, engines, progress.

Every error a user can cause (a :class:`~sim.errors.UserError`) is one line on stderr and
exit status 2: a scenario that does not load, a history or table that cannot be read, a
study setting that cannot give an answer, a horizon or memory refused before the first run,
a results folder that cannot be used, an engine that cannot be reached.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import typer

from sim.errors import UserError
from sim.scenario import ScenarioError, load_scenario


def fail(message: str) -> None:
    """Print the message (one line per problem) on stderr and exit with status 2."""
    typer.echo(message, err=True)
    raise typer.Exit(code=2)


@contextmanager
def refusals():
    """Turn the errors a user can cause into one clean line each and exit status 2."""
    try:
        yield
    except ScenarioError as exc:
        fail("\n".join(exc.lines()))
    except UserError as exc:
        fail(str(exc))


def load(path: Path):
    """A scenario file, loaded and validated (exit 2 with its problems otherwise)."""
    with refusals():
        return load_scenario(path)


def prepare_out(out: Path) -> None:
    """Make the output folder, or fail cleanly if it cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as exc:
        fail(f"{out}: cannot write output folder ({exc.strerror or exc.__class__.__name__})")


def writable_file(path: Path, option: str) -> None:
    """Exit 2 now, before any run, if ``path`` could not be written as a file."""
    if path.is_dir():
        fail(f"{option} {path}: is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.with_name(f".{path.name}.probe")
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        fail(f"{option} {path}: cannot write ({exc.strerror or exc.__class__.__name__})")


def engine_from(workers: int | None, scheduler: str | None, dask_local: bool):
    """The engine the options ask for (exit 2 if a scheduler cannot be reached)."""
    from sim.experiments.engines import DaskEngine, make_engine

    if scheduler and dask_local:
        fail("choose one of --scheduler and --dask-local")
    if scheduler or dask_local:
        engine = DaskEngine(scheduler, workers)
        with refusals():
            engine.check()
        return engine
    return make_engine("serial" if workers == 1 else "processes", workers)


def local_workers(workers: int | None, scheduler: str | None) -> int:
    """Replications the options run at once on this machine (a remote cluster: one here)."""
    if scheduler or workers == 1:
        return 1
    return workers or os.cpu_count() or 1


def command_line() -> str:
    """The command as typed (kept in a study's report so it can be rerun)."""
    return "channelsim " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def runs_from(reps: int, weeks: int | None, seed: int, engine_options: tuple, out: Path,
              progress, sources: dict[str, str] | None = None):
    """A study's :class:`~analysis.studies.common.Runs` from the command's options."""
    from analysis.studies.common import Runs

    workers, scheduler, _ = engine_options
    return Runs(reps=reps, weeks=weeks, seed=seed, engine=engine_from(*engine_options),
                out=out, progress=progress, command=command_line(),
                workers=local_workers(workers, scheduler), sources=sources or {})


def with_progress(work, quiet: bool):
    """Call ``work(progress)`` with a progress display; known errors exit 2 cleanly."""
    from analysis.cli.progress import reporter

    progress = reporter(quiet)
    with refusals(), progress:
        return work(progress.update)


def show_notes(notes: list[str]) -> None:
    """What a partial horizon leaves out, on stderr (with --quiet too: it qualifies results)."""
    for note in notes:
        typer.echo(f"note: {note}", err=True)
