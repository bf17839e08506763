"""The comparison as an Excel workbook: summary, agents at risk, and one row per agent.

Clients take numbers into their own spreadsheets; ``channelsim report DIR --xlsx`` writes
``report.xlsx`` beside the report with three sheets:

* ``summary``: one row per strategy (the figures of ``summary.csv``);
* ``at risk``: per strategy, the distributors and partners by how much the strategy raises
  their chance of ending on paper or defected, with their names;
* ``agents``: per agent and scenario, the mean over the futures of its annual sell-through
  and purchases, its commitment at the horizon and the share of futures in which it ends on
  paper or defected.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.comparison.paired import Comparison
from analysis.comparison.results import Results
from sim.vocab import WEEKS_PER_YEAR

SHEETS = ("summary", "at risk", "agents")
LOST = ("on_paper", "defected")


def agents_table(res: Results) -> pd.DataFrame:
    """Per agent and scenario: mean annual sales and purchases, end state, over the futures."""
    a = res.table("agents")
    if "name" not in a:
        a = a.assign(name=a["agent_id"])
    years = a["week"].max() / WEEKS_PER_YEAR
    keys = ["scenario", "agent_id", "name", "role", "region"]
    per_rep = a.groupby([*keys, "rep"])[["sell_through", "purchases"]].sum() / years
    last = a[a["week"] == a["week"].max()].assign(lost=lambda d: d["state"].isin(LOST))
    end = last.groupby(keys)[["commitment", "lost"]].mean()
    out = per_rep.groupby(keys).mean().join(end).reset_index()
    return out.rename(columns={"sell_through": "annual_sell_through",
                               "purchases": "annual_purchases",
                               "commitment": "commitment_at_end", "lost": "share_lost"})


def at_risk_table(comp: Comparison) -> pd.DataFrame:
    """Every strategy's agents at risk, most exposed first, one block per strategy."""
    parts = [r.at_risk.assign(strategy=name) for name, r in comp.strategies.items()
             if r.at_risk is not None]
    if not parts:
        return pd.DataFrame(columns=["strategy"])
    t = pd.concat(parts, ignore_index=True)
    first = ["strategy", "name", "agent_id", "role", "kind", "region"]
    return t[[c for c in first if c in t] + [c for c in t if c not in first]]


def write_workbook(path: Path, res: Results, comp: Comparison) -> Path:
    """Write the three sheets to ``path`` (an .xlsx, through openpyxl)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        comp.summary().to_excel(xl, sheet_name=SHEETS[0], index=False)
        at_risk_table(comp).to_excel(xl, sheet_name=SHEETS[1], index=False)
        agents_table(res).to_excel(xl, sheet_name=SHEETS[2], index=False)
    tmp.replace(path)
    return path
