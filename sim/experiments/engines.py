"""Execution engines: serial, local processes, or a Dask cluster.

Each engine takes the job function (``fn``, default :func:`sim.experiments.seeds.run_job`), so
the same engines run comparisons, sweeps and calibrations.

Every engine runs the same pure jobs (``sim.experiments.seeds.run_job``) and hands each result
to a callback in the calling process, which stores it; so what is stored does not depend
on the engine or the number of workers, and a worker that dies loses nothing stored.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from sim.errors import UserError
from sim.experiments.seeds import Job, run_job
from sim.scenario import Scenario

OnResult = Callable[[Job, dict], None]
MAX_ATTEMPTS = 3


# Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers, which fixes glibc's allocation
# thresholds and makes every large numpy array a fresh mmap: the simulation runs at half
# speed. Its statistical profiler also costs time on Python-heavy tasks. Workers of a
# LocalCluster get neither; workers of an outside cluster should be started the same way.
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1},
}


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that start clean and warm.

    forkserver: workers start clean, whatever threads this process runs, and whatever start
    method another library set globally; the server imports the model once and forks warm
    workers from it.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.experiments.seeds"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


class EngineError(UserError, RuntimeError):
    """The engine could not run the jobs (e.g. no scheduler at the given address)."""


class SerialEngine:
    """Run jobs one after the other in this process."""

    name = "serial"

    def __init__(self, fn=run_job):
        self.fn = fn

    def run(self, scenarios: dict[str, Scenario], jobs: list[Job], on_result: OnResult) -> None:
        """Run ``jobs`` and call ``on_result`` for each, in order."""
        for job in jobs:
            on_result(job, self.fn(scenarios[job.scenario], job))


class ProcessEngine:
    """Run jobs on local worker processes (default: one per core)."""

    name = "processes"

    def __init__(self, workers: int | None = None, fn=run_job):
        self.workers = workers or os.cpu_count() or 1
        self.fn = fn

    def run(self, scenarios: dict[str, Scenario], jobs: list[Job], on_result: OnResult) -> None:
        """Run ``jobs`` on the pool.

        A pool broken by a dying worker is rebuilt and the unfinished jobs are submitted
        again (each at most ``MAX_ATTEMPTS`` times).
        """
        todo = list(jobs)
        attempts = {job.key: 0 for job in jobs}
        while todo:
            with worker_pool(self.workers) as pool:
                running = {}
                for job in todo:
                    attempts[job.key] += 1
                    running[pool.submit(self.fn, scenarios[job.scenario], job)] = job
                broken = False
                while running:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for fut in done:
                        job = running.pop(fut)
                        try:
                            tables = fut.result()
                        except BrokenProcessPool:
                            broken = True
                            continue
                        on_result(job, tables)
                        todo.remove(job)
                    if broken:
                        break
            if broken:
                failed = [j for j in todo if attempts[j.key] >= MAX_ATTEMPTS]
                if failed:
                    raise EngineError(f"replication {failed[0].key} failed {MAX_ATTEMPTS} times "
                                      "(a worker process died each time)")


class DaskEngine:
    """Run jobs on a Dask cluster: an existing scheduler, or a LocalCluster started here."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None, fn=run_job):
        self.scheduler = scheduler
        self.workers = workers or os.cpu_count() or 1
        self.fn = fn

    def check(self) -> None:
        """Fail early (EngineError) if the scheduler cannot be reached."""
        if self.scheduler is not None:
            client, _ = self._client()
            client.close()

    def _client(self):
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            import dask

            with dask.config.set(LOCAL_CLUSTER_CONFIG):
                cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                       processes=True, dashboard_address=None)
            return Client(cluster), cluster
        try:
            return Client(self.scheduler, timeout="10s"), None
        except (OSError, TimeoutError) as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {self.scheduler} "
                              f"({exc.__class__.__name__})") from None

    def run(self, scenarios: dict[str, Scenario], jobs: list[Job], on_result: OnResult) -> None:
        """Submit every job; results arrive as they complete.

        Dask reschedules the tasks of a worker that dies; the result is stored once,
        whoever computed it.
        """
        from distributed import as_completed

        client, cluster = self._client()
        try:
            shared = {name: client.scatter(sc, broadcast=True) for name, sc in scenarios.items()}
            futures = {client.submit(self.fn, shared[job.scenario], job, pure=False,
                                     retries=MAX_ATTEMPTS - 1): job for job in jobs}
            for fut in as_completed(futures):
                on_result(futures[fut], fut.result())
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def make_engine(kind: str = "processes", workers: int | None = None,
                scheduler: str | None = None):
    """Build an engine by name: ``serial``, ``processes`` or ``dask``."""
    if kind == "serial":
        return SerialEngine()
    if kind == "processes":
        return ProcessEngine(workers)
    if kind == "dask":
        return DaskEngine(scheduler, workers)
    raise ValueError(f"unknown engine {kind!r}")
