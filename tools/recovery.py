"""The calibration recovery study of #21: coverage of a planted truth, the fit test's power.

    python tools/recovery.py --histories 20 --power 20 --out results/recovery
        [--minutes 120] [--workers 2]

Histories of 36 months from the planted truth (``analysis.studies.recovery``) on the
calibration market ``tests/fixtures/calib.yaml``, each calibrated with the command line's
defaults and ``--holdout 12``; then histories with an unannounced 5-point distributor
discount cut at month 18, calibrated the same way, for the fit test's power. Prints the
summary of each part as JSON; ``--minutes`` stops starting new histories after that long
(the summary says how many were fitted).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

from analysis.studies.recovery import (  # noqa: E402
    CUT,
    CUT_WEEK,
    Planted,
    run_recovery,
    summary,
    truth_of,
    with_change,
)
from sim.experiments.engines import ProcessEngine  # noqa: E402

MARKET = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "calib.yaml"


def main() -> None:
    """Run the parts asked for and print their summaries."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=int, default=20)
    parser.add_argument("--power", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("results/recovery"))
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    deadline = time.time() + 60 * args.minutes if args.minutes else None
    design = Planted(MARKET)
    engine = ProcessEngine(args.workers)
    parts = {"recovery": (truth_of(design), args.histories, 1000),
             "power": (with_change(truth_of(design), CUT, CUT_WEEK), args.power, 2000)}
    tables: dict[str, list] = {name: [] for name in parts}
    # one history of each part in turn, so a deadline leaves some of both
    for i in range(max(args.histories, args.power)):
        for name, (truth, n, first) in parts.items():
            if i >= n or (deadline is not None and time.time() > deadline):
                continue
            one = run_recovery(design, truth, 1, args.out / name / f"{i:02d}", engine,
                               first + i).assign(history=i)
            tables[name].append(one)
            both = pd.concat(tables[name], ignore_index=True)
            both.to_csv(args.out / f"{name}.csv", index=False)
            print(name, json.dumps(summary(both)), flush=True)


if __name__ == "__main__":
    main()
