"""What a choice fit leaves: its table, the calibration by price decile, the fitted scenario.

The fitted scenario ``extends`` the one the quotes were fitted in and sets its whole
``choice:`` section (noise scale 1, the scale of the fit), with a 95% interval of each
estimated parameter declared in ``uncertainties:`` (replacing the parent's range for the
same setting; a parameter not identified keeps the parent's value and range).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.choicefit.design import WEIGHTS
from analysis.choicefit.fit import ChoiceFit
from sim.scenario import Scenario, with_values
from sim.scenario.writer import write_extending

DECILES = 10
_NEST_LOW = 0.01   # the schema wants lambda > 0; below this the nest is "the best offer only"


def estimates_table(fit: ChoiceFit) -> pd.DataFrame:
    """One row per parameter: prior, estimate, standard error, t, 95% interval, identified."""
    rows = []
    for i, name in enumerate(fit.names):
        lo, hi = fit.interval(name)
        rows.append({"parameter": name, "prior": fit.prior[i], "estimate": fit.estimate[i],
                     "se": fit.se[i], "t": fit.t[i], "low95": lo, "high95": hi,
                     "identified": name not in fit.not_identified})
    return pd.DataFrame(rows)


def calibration_by_price(fit: ChoiceFit) -> pd.DataFrame:
    """Quotes in ten equal groups by price over list: mean price, predicted and won share."""
    x = fit.data
    order = np.argsort(x.price, kind="stable")
    rows = []
    for k, part in enumerate(np.array_split(order, DECILES)):
        rows.append({"decile": k + 1, "quotes": len(part), "price_rel": x.price[part].mean(),
                     "predicted": fit.win_probability[part].mean(),
                     "observed": x.won[part].mean()})
    return pd.DataFrame(rows)


def calibration_chart(table: pd.DataFrame):
    """Predicted against observed win rate by price decile (a Figure)."""
    from analysis.report.charts.style import figure, tidy

    fig, ax = figure(7.5, 4.5)
    se = np.sqrt(table["observed"] * (1 - table["observed"]) / table["quotes"])
    ax.errorbar(table["price_rel"], table["observed"], yerr=1.96 * se, fmt="o",
                color="#1f4e79", capsize=3, label="observed (95% band)")
    ax.plot(table["price_rel"], table["predicted"], color="#c0504d", marker="s", lw=1.5,
            label="predicted by the fit")
    tidy(ax, "Win rate by price decile: the fit against the quotes", "price / list price "
         "(decile mean)", "share of quotes won", money_axis=None)
    ax.legend(frameon=False)
    return fig


def fitted_values(fit: ChoiceFit) -> dict[str, float]:
    """The ``choice`` settings the fit writes (weights at least 0, noise scale 1)."""
    out = {}
    for name in fit.names:
        v = fit.value(name)
        if name in WEIGHTS:
            v = max(v, 0.0)
        elif name == "brand_nest":
            v = min(max(v, _NEST_LOW), 1.0)
        out[f"choice.{name}"] = v
    out["choice.noise_scale"] = 1.0
    return out


def uncertainty_ranges(fit: ChoiceFit) -> dict[str, dict[str, float]]:
    """The 95% interval of each estimated parameter, inside the setting's valid values."""
    out = {}
    for name in fit.names:
        if name in fit.not_identified:
            continue
        lo, hi = fit.interval(name)
        if name in WEIGHTS:
            lo, hi = max(lo, 0.0), max(hi, 0.0)
        elif name == "brand_nest":
            lo, hi = min(max(lo, _NEST_LOW), 1.0), min(max(hi, _NEST_LOW), 1.0)
        out[f"choice.{name}"] = {"low": float(lo), "high": float(hi)}
    return out


def summary_lines(fit: ChoiceFit) -> list[str]:
    """The fit in sentences: size, fit statistics, what was not identified, warnings."""
    lines = [f"{fit.deals} deals, {fit.quotes} quotes; log-likelihood {fit.log_likelihood:.3f} "
             f"(Biogeme) / {fit.own_log_likelihood:.3f} (the model's formula); rho-squared "
             f"{fit.rho_squared:.3f} against equal shares; hit rate {fit.hit_rate:.1%}"]
    lines += [f"warning: {w}" for w in fit.warnings]
    return lines


def write_fitted(fit: ChoiceFit, scenario: Scenario, parent: Path, target: Path,
                 quotes: Path) -> Path:
    """Write the scenario extending ``parent`` with the fitted ``choice`` and its ranges."""
    fitted = with_values(scenario, fitted_values(fit))
    header = "\n".join([
        f"{scenario.name} with the customer's choice fitted to {Path(quotes).name} "
        "(channelsim fit-choice, docs/choice-fit.md)", *summary_lines(fit),
        "uncertainties: the 95% interval of each estimate (replacing the parent's range)"])
    return write_extending(target, parent, fitted, ["choice"], f"{scenario.name}_fitted",
                           header, extra={"uncertainties": uncertainty_ranges(fit)})
