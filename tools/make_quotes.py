"""Write the example client's quote log, recorded from the model with known choice weights.

The example client is the source's case (``scenarios/case_baseline.yaml``); its customers
here choose with the weights of ``PLANTED`` (not the case's), so a fit of the file has a
known answer (docs/choice-fit.md). What a quote log cannot show is switched off in the
market that makes it: sellers' expertise does not follow their commitment
(``behaviour.pricing.expertise_commitment_share: 0``), and there is no training or
co-selling in the baseline.

    python tools/make_quotes.py [--weeks 26] [--seed 7] [--out scenarios/data/quotes_example.csv]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.choicefit.simulated import simulate_quotes  # noqa: E402
from sim.scenario import load_scenario, with_values  # noqa: E402

PLANTED = {
    "choice.price": 7.0, "choice.delivery": 0.2, "choice.expertise": 1.2,
    "choice.relationship": 0.8, "choice.specification": 1.6,
    "choice.brand_constant.small": 0.2, "choice.brand_constant.mid": -0.1,
    "choice.brand_constant.key": 0.3, "choice.brand_constant.project": -0.2,
    "choice.brand_nest": 0.6, "behaviour.pricing.expertise_commitment_share": 0.0,
}


def main(argv: list[str] | None = None) -> Path:
    """Generate the file; return its path."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weeks", type=int, default=26)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=ROOT / "scenarios/data/quotes_example.csv")
    args = ap.parse_args(argv)
    sc = with_values(load_scenario(ROOT / "scenarios/case_baseline.yaml"), PLANTED)
    df = simulate_quotes(sc, args.seed, args.weeks)
    df.to_csv(args.out, index=False, float_format="%.10g")
    print(f"{len(df)} quotes of {df['deal_id'].nunique()} deals written to {args.out}")
    return args.out


if __name__ == "__main__":
    main()
