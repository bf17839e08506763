"""What a pilot would have measured, and which channel agents a strategy puts at risk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ROLLOUT_WINDOW = 40  # weeks W2 .. W2+39 for the true effect of the full rollout


@dataclass
class PilotResult:
    """A pilot's measured effect against the truth, per replication (percent)."""

    pilot_regions: list[str]
    pilot_week: int
    full_week: int
    measured: np.ndarray  # difference-in-differences a consultant would report
    true_pilot: np.ndarray  # strategy vs baseline in the pilot regions during the pilot
    true_rollout: np.ndarray  # strategy vs baseline everywhere over W2 .. W2+39
    spillover: np.ndarray  # strategy vs baseline in the control regions during the pilot
    last_week: int = 0  # the pilot's last week in the horizon (full_week - 1 when it is whole)

    @property
    def rollout_in_horizon(self) -> bool:
        """Whether the horizon reaches the full rollout (else its effect is unknown)."""
        return bool(np.isfinite(self.true_rollout).all())

    @property
    def p_wrong_sign(self) -> float:
        """Share of replications where the pilot's sign differs from the rollout's."""
        if not self.rollout_in_horizon:
            return float("nan")
        return float(np.mean(np.sign(self.measured) != np.sign(self.true_rollout)))

    @property
    def p_miss_by_half(self) -> float:
        """Share of replications where the pilot misses the rollout effect by over half."""
        if not self.rollout_in_horizon:
            return float("nan")
        return float(np.mean(np.abs(self.measured - self.true_rollout)
                             > 0.5 * np.abs(self.true_rollout)))

    def summary(self) -> dict[str, float]:
        """Mean figures for the summary table."""
        return {"pilot_measured_pct": float(np.mean(self.measured)),
                "pilot_true_pct": float(np.mean(self.true_pilot)),
                "rollout_true_pct": float(np.mean(self.true_rollout)),
                "pilot_spillover_pct": float(np.mean(self.spillover)),
                "pilot_p_wrong_sign": self.p_wrong_sign,
                "pilot_p_miss_by_half": self.p_miss_by_half}


def _region_week(by_region: pd.DataFrame, name: str) -> pd.DataFrame:
    part = by_region[by_region["scenario"] == name]
    return part.groupby(["rep", "week", "region"], as_index=False)["turnover"].sum()


def _total(rw: pd.DataFrame, regions, lo: int, hi: int) -> pd.Series:
    sel = rw[rw["region"].isin(regions) & (rw["week"] >= lo) & (rw["week"] < hi)]
    return sel.groupby("rep")["turnover"].sum()


def pilot_effects(by_region: pd.DataFrame, baseline: str, name: str, rollout: dict,
                  regions: list[str]) -> PilotResult | None:
    """Pilot vs control regions, as measured and as it truly was (None without a pilot).

    Measured: the difference-in-differences of turnover per region-week, in percent,
    between pilot and control regions over ``[W1, W2)`` against the same number of weeks
    before W1, in the strategy's own run (all a consultant sees). True pilot effect:
    strategy − baseline in the pilot regions over ``[W1, W2)``; true rollout effect:
    strategy − baseline everywhere over ``W2 .. W2+39``; spillover: strategy − baseline in
    the control regions during the pilot.
    """
    pilot = rollout.get("pilot_regions") or []
    w1, w2 = rollout.get("pilot_week"), rollout["full_week"]
    if not pilot or w1 is None or w2 <= w1:
        return None
    control = [r for r in regions if r not in pilot]
    s, b = _region_week(by_region, name), _region_week(by_region, baseline)
    horizon = int(s["week"].max())
    if w1 > horizon:
        return None
    end = min(w2, horizon + 1)      # a horizon that ends during the pilot: its weeks so far
    length = end - w1
    pre = max(1, w1 - length)

    def growth(regs):
        after = _total(s, regs, w1, end) / (len(regs) * length)
        before = _total(s, regs, pre, w1) / (len(regs) * (w1 - pre))
        return 100.0 * (after / before - 1.0)

    def effect(regs, lo, hi):
        return 100.0 * (_total(s, regs, lo, hi) / _total(b, regs, lo, hi) - 1.0)

    measured = growth(pilot) - growth(control)
    reps = measured.index
    return PilotResult(
        pilot_regions=list(pilot), pilot_week=w1, full_week=w2, last_week=end - 1,
        measured=measured.to_numpy(),
        true_pilot=effect(pilot, w1, end).loc[reps].to_numpy(),
        true_rollout=(effect(regions, w2, w2 + ROLLOUT_WINDOW).loc[reps].to_numpy()
                      if w2 <= horizon else np.full(len(reps), np.nan)),
        spillover=effect(control, w1, end).loc[reps].to_numpy() if control else np.zeros(
            len(reps)),
    )


LOST_STATES = ("on_paper", "defected")


def agents_at_risk(agents: pd.DataFrame, baseline: str, name: str, start: int) -> pd.DataFrame:
    """Distributors and partners ranked by how much the strategy puts them at risk.

    Per agent, paired by replication: the change in its weekly gross margin (its sales
    less what it bought from the manufacturer) from the strategy's start, the change in
    its commitment at the horizon, and the share of replications in which it ends
    on paper (not selling) or defected under the strategy and under the baseline.
    """
    a = agents[agents["role"].isin(["distributor", "partner"])]
    a = a.assign(gross_margin=a["sell_through"] - a["purchases"])
    keys = ["rep", "agent_id"]

    def arm(n: str) -> pd.DataFrame:
        part = a[a["scenario"] == n]
        after = part[part["week"] >= start].groupby(keys)["gross_margin"].mean()
        last = part[part["week"] == part["week"].max()].set_index(keys)
        return pd.DataFrame({"gross_margin": after, "commitment": last["commitment"],
                             "lost": last["state"].isin(LOST_STATES)})

    s, b = arm(name), arm(baseline)
    both = s.add_suffix("_s").join(b.add_suffix("_b"), how="inner")
    both["margin_change"] = both["gross_margin_s"] - both["gross_margin_b"]
    both["commitment_change"] = both["commitment_s"] - both["commitment_b"]
    g = both.groupby("agent_id")
    out = pd.DataFrame({
        "margin_change": g["margin_change"].mean(),
        "commitment_change": g["commitment_change"].mean(),
        "p_lost": g["lost_s"].mean(),
        "p_lost_baseline": g["lost_b"].mean(),
    })
    info = a[a["scenario"] == baseline].drop_duplicates("agent_id").set_index("agent_id")
    cols = ["name", "role", "kind", "region"] if "name" in info else ["role", "kind", "region"]
    out = out.join(info[cols])
    if "name" not in out:                     # results written before agents had names
        out["name"] = out.index
    out["risk_increase"] = out["p_lost"] - out["p_lost_baseline"]
    return out.sort_values(["risk_increase", "margin_change"],
                           ascending=[False, True]).reset_index()
