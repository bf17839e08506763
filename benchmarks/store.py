"""What stored results cost to read and report at scale (#26).

    python benchmarks/store.py [--source DIR] [--futures 100 200]

A comparison of the demo's six scenarios is run once with 20 futures (or ``--source``, a
finished comparison folder); folders of more futures are then built from its blocks, each
future ``r`` holding the rows of real future ``r mod 20`` under its own number, so the tables
have the size and shape of a real run of that many futures without running them (what a report
costs depends on the rows it reads, not on their values). ``channelsim report --pptx`` runs on
each in a fresh process; its wall time and peak memory are printed, with the load of the
machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.experiments import dataset  # noqa: E402
from sim.experiments.store import TABLES  # noqa: E402

DEMO = ["case_baseline", "case_reform", "add_marketplace", "cut_distributor_discount",
        "direct_takes_key_accounts", "exclusive_territories"]


def source_folder(folder: Path, reps: int = 20) -> Path:
    """A real comparison of the demo's scenarios (run once; resumed if it exists)."""
    cli = Path(sys.executable).with_name("channelsim")
    files = [str(ROOT / "scenarios" / f"{n}.yaml") for n in DEMO]
    subprocess.run([str(cli), "compare", *files, "--reps", str(reps), "--out", str(folder),
                    "--quiet"], check=True)
    return folder


def grow(src: Path, dst: Path, futures: int) -> Path:
    """A folder of ``futures`` futures built from the stored blocks of ``src``."""
    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir(parents=True)
    man = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
    real = man["reps"]
    man["reps"] = futures
    man["uncertain_values"] = [man["uncertain_values"][i % real] for i in range(futures)]
    (dst / "manifest.json").write_text(json.dumps(man, indent=2, sort_keys=True))
    shutil.copytree(src / "scenarios", dst / "scenarios")
    blocks = dataset.stored_blocks(src)
    for name in man["order"]:
        for table in TABLES:
            whole = pa.concat_tables(pq.read_table(dataset.table_file(src, table, name, b))
                                     for b in sorted(blocks[name]))
            by_rep = {r: whole.filter(pc.equal(whole["rep"], r)) for r in range(real)}
            for b in range(dataset.block_of(futures - 1) + 1):
                reps = dataset.block_reps(b, futures)
                parts = [by_rep[r % real].set_column(
                    0, "rep", pa.repeat(pa.scalar(r, pa.int64()), by_rep[r % real].num_rows))
                    for r in reps]
                target = dataset.table_file(dst, table, name, b)
                target.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(pa.concat_tables(parts), target)
                marker = dataset.marker_file(dst, name, b)
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.write_text(json.dumps({"first": reps.start, "end": reps.stop}))
    return dst


_CHILD = """
import resource, runpy, sys
sys.argv = ["channelsim", "report", sys.argv[1], "--pptx"]
try:
    runpy.run_module("analysis.cli", run_name="__main__")
except SystemExit as exc:
    if exc.code:
        raise
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def report_cost(folder: Path) -> dict:
    """Wall seconds and peak memory (MB) of ``channelsim report --pptx`` in a fresh process."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _CHILD, str(folder)], check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "peak_mb": int(out.split()[-1]) / 1024,
            "load": os.getloadavg()[0]}


def main() -> None:
    """Report at each size asked for, printing seconds and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--futures", type=int, nargs="+", default=[100, 200])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = args.source or source_folder(Path(tmp) / "source")
        for n in args.futures:
            folder = grow(src, Path(tmp) / f"f{n}", n)
            cost = report_cost(folder)
            print(f"report --pptx, {n} futures x {len(DEMO)} scenarios: "
                  f"{cost['seconds']:.0f} s, peak {cost['peak_mb']:,.0f} MB "
                  f"(load {cost['load']:.1f})", flush=True)
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
