"""Write a client-style sales history CSV from a simulated run of a scenario.

    python tools/make_history.py scenarios/case_baseline.yaml --months 36 --seed 7
        --set market.growth=0.06 --out scenarios/data/history_example.csv

The run is one replication with the given seed; ``--set`` changes numeric settings first
(the "true" values a calibration should recover).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.studies.history import history_table  # noqa: E402
from sim import load_scenario, run_model  # noqa: E402
from sim.experiments.history import weeks_for  # noqa: E402
from sim.experiments.settings import set_values  # noqa: E402


def main() -> None:
    """Parse the arguments, run the scenario, write the CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", default="2023-01", help="first month, YYYY-MM")
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sc = load_scenario(args.scenario)
    values = {k: float(v) for k, v in (s.split("=", 1) for s in args.set)}
    if values:
        sc = set_values(sc, values)
    model = run_model(sc, args.seed, weeks_for(args.months))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    history_table(model, args.months, args.start).to_csv(args.out, index=False)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
