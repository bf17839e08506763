"""Progress of a long run: a bar on a terminal, plain lines otherwise, nothing when quiet."""

from __future__ import annotations

import sys

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


class _Quiet:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, job, done: int, total: int) -> None:
        """Say nothing."""


class _Lines(_Quiet):
    """About twenty plain lines over the run, for logs and pipes."""

    def update(self, job, done: int, total: int) -> None:
        """Print a line every 5% of the run, and at the end."""
        step = max(1, total // 20)
        if done % step == 0 or done == total:
            at = f", point {job.point}" if job.point else ""
            print(f"[{done}/{total}] replications done (last: {job.scenario} #{job.rep}{at})",
                  flush=True)


class _Bar(_Quiet):
    """A rich progress bar with the replications done and the time left."""

    def __init__(self):
        self.bar = Progress(TextColumn("replications"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn())
        self.task = None

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def update(self, job, done: int, total: int) -> None:
        """Advance the bar to ``done`` of ``total``."""
        if self.task is None:
            self.task = self.bar.add_task("run", total=total, completed=done - 1)
        self.bar.update(self.task, completed=done, total=total)


def reporter(quiet: bool):
    """The right progress display for where output goes."""
    if quiet:
        return _Quiet()
    return _Bar() if sys.stdout.isatty() else _Lines()
