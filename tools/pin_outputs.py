"""Fixed-seed hashes of the model's outputs, pinned in ``tests/pinned/outputs.json``.

``tests/test_pinned.py`` recomputes them on every ``make test``: a change to what the model
computes shows as a failing test. Regenerate them only in a commit whose message names the
issue that changes the model on purpose::

    .venv/bin/python tools/pin_outputs.py --issue 15
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
PINNED = ROOT / "tests" / "pinned" / "outputs.json"
SHIPPED = ("case_baseline", "case_reform", "add_marketplace", "cut_distributor_discount",
           "direct_takes_key_accounts", "exclusive_territories")
SEED = 1
COMPARISON = {"scenarios": ("small", "small_cut", "small_pilot"), "reps": 3, "seed": 2,
              "weeks": 52}


def frame_hash(df: pd.DataFrame) -> str:
    """SHA-256 of a table's column names, types and exact values (bit for bit)."""
    h = hashlib.sha256()
    for col in df.columns:
        values = df[col].to_numpy()
        h.update(f"{col}:{values.dtype}\n".encode())
        if values.dtype.kind in "biuf":
            h.update(np.ascontiguousarray(values).tobytes())
        else:
            h.update("\x1f".join(map(str, values)).encode())
    return h.hexdigest()


def run_hashes() -> dict[str, dict[str, str]]:
    """The four tables of each shipped scenario, run with seed 1 over its own horizon."""
    sys.path.insert(0, str(ROOT))
    from sim import load_scenario, run_model

    out = {}
    for name in SHIPPED:
        tables = run_model(load_scenario(ROOT / "scenarios" / f"{name}.yaml"), SEED).tables()
        out[name] = {t: frame_hash(df) for t, df in tables.items()}
    return out


def comparison_hash(folder: Path) -> str:
    """The summary table of a small paired comparison (serial engine, fixture scenarios)."""
    sys.path.insert(0, str(ROOT))
    from analysis import compare
    from sim import load_scenario
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine

    fixtures = ROOT / "tests" / "fixtures"
    scs = {n: load_scenario(fixtures / f"{n}.yaml") for n in COMPARISON["scenarios"]}
    run_comparison(scs, COMPARISON["scenarios"][0], COMPARISON["reps"], COMPARISON["seed"],
                   COMPARISON["weeks"], folder, SerialEngine())
    return frame_hash(compare(folder).summary())


def main() -> None:
    """Recompute every pinned hash and write them with the issue that changed the model."""
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issue", required=True, type=int,
                        help="the issue whose model change the new hashes record")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        doc = {"issue": args.issue, "seed": SEED, "runs": run_hashes(),
               "comparison": comparison_hash(Path(tmp) / "cmp")}
    PINNED.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{PINNED.relative_to(ROOT)} written (model changed by issue #{args.issue})")


if __name__ == "__main__":
    main()
