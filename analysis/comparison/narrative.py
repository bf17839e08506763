"""Sentences that state what a comparison found, computed from its statistics."""

from __future__ import annotations

from math import comb

from analysis.comparison.decomposition import PART_LABELS, PARTS
from analysis.comparison.paired import DIP_SHOWN, Comparison, StrategyResult

MOVES_NAMED = 6  # KPIs named in the moves sentence (the rest are in summary.json)


def headline(r: StrategyResult, weeks: int) -> str:
    """One sentence per strategy for the executive summary.

    Over the weeks the strategy can act in (from its first effect, the announcement
    included), margin beside turnover; the dip's recovery only as far as the futures agree
    (:class:`analysis.comparison.windows.Timing`).
    """
    w = r.windows
    grows = r.reps - round(r.p_shrink.estimate * r.reps)
    pct, margin = w.turnover_after, w.margin_after
    verb = "raises" if pct.estimate >= 0 else "lowers"
    count = grows if pct.estimate >= 0 else r.reps - grows
    s = (f"In {count} of {r.reps} simulated futures {r.title} {verb} turnover: from week "
         f"{w.first_effect_week} to week {weeks} {pct.estimate:+.1f}% on average (95% CI "
         f"{pct.low:+.1f}% to {pct.high:+.1f}%), margin {margin.estimate:+.1f}% "
         f"({margin.low:+.1f}% to {margin.high:+.1f}%); at the end it runs at "
         f"{w.run_rate.estimate:+.1f}% a quarter")
    d = r.dip
    if d.depth_pct < DIP_SHOWN:
        s += f"; the worst dip is {d.depth_pct:+.1f}% around week {d.week}, "
        s += r.recovery.words("recovered")
    else:
        s += f"; turnover never dips below the baseline's by more than {-DIP_SHOWN:g}%"
    gave_up = r.payback.share < 1 or (r.payback.median or 0) > w.first_effect_week
    if gave_up:              # the margin fell below the baseline's at some point
        s += "; the margin given up is " + r.payback.words("paid back")
    return s + "."


def risk_sentence(r: StrategyResult, material: float) -> str:
    """The probability figures in words."""
    return (f"Turnover shrinks in {r.p_shrink.estimate:.0%} of futures "
            f"(by more than {abs(material):.0%} in {r.p_shrink_material.estimate:.0%}); in the "
            f"first 9 months after the start it is below the baseline in "
            f"{r.p_shrink_9m.estimate:.0%}. Turnover in the quarter after the start is below the "
            f"quarter before the first effect in {r.p_diet.estimate:.0%} of futures (under "
            f"today's rules: {r.p_diet_baseline.estimate:.0%}).")


def relationships_sentence(r: StrategyResult) -> str:
    """How many customer relationships the strategy's rules break, against today's."""
    b = r.kpi_changes["relationships_broken"]
    if b.high <= 0.5 and b.low >= -0.5:
        return "It breaks no more customer relationships than today's rules do."
    verb = "more" if b.estimate > 0 else "fewer"
    return (f"Its rules take {abs(b.estimate):,.0f} {verb} customers away from the supplier "
            f"they buy from than today's rules do (95% CI {b.low:+,.0f} to {b.high:+,.0f}; "
            "territory, segment and account rules, removals and defections).")


def pilot_sentence(r: StrategyResult) -> str | None:
    """What the pilot would have said, against the truth."""
    if r.pilot is None:
        return None
    s = r.pilot.summary()
    said = (f"A pilot in {', '.join(r.pilot.pilot_regions)} would have measured "
            f"{s['pilot_measured_pct']:+.1f}% against the control regions; the true effect in "
            f"the pilot regions was {s['pilot_true_pct']:+.1f}%")
    if not r.pilot.rollout_in_horizon:
        return said + " (the horizon ends before the full rollout)."
    return (said + f" and the full rollout's {s['rollout_true_pct']:+.1f}%. The pilot points "
            f"the wrong way (against the true pilot effect) in {s['pilot_p_wrong_sign']:.0%} "
            f"of futures and misses the rollout effect by more than half in "
            f"{s['pilot_p_miss_by_half']:.0%}.")


METRIC_WORDS = {"turnover": "turnover", "sell_through": "sell-through",
                "deals_won": "deals won", "win_rate": "win rate"}


def pilot_power_sentences(r: StrategyResult) -> list[str]:
    """What a pilot of this design can detect: placebo, power, the test to run (or none)."""
    p = r.pilot
    if p is None:
        return []
    k, n = len(p.pilot_regions), p.n_regions
    if p.smallest_p > 0.05:
        test = (f"No design-based test at 5% exists for {k} of {n} regions: a randomisation "
                f"test over the {comb(n, k)} same-size region sets cannot go below "
                f"p = {p.smallest_p:.3f}; pilot more regions.")
    else:
        test = (f"On the real pilot's data, run a randomisation test over the {comb(n, k)} "
                f"same-size region sets (smallest p = {p.smallest_p:.3f}): it rejects at 5% "
                f"in {p.ri_power:.0%} of these futures.")
    d = p.detect.get("turnover")
    if d is None:
        return [test, "No placebo was run (compare --placebo 200), so what chance alone "
                "does to this pilot's estimate is not known."]
    first = (f"Chance alone moves this pilot's estimate by {d.placebo_sd:.1f} points (placebo "
             f"over {d.placebo_futures} futures without the strategy, mean "
             f"{d.placebo_mean:+.1f}): it detects effects beyond ±{d.threshold:.1f} points, "
             f"its minimum detectable effect at 80% power is {d.mde:.1f} points, and the true "
             f"pilot effect ({d.true_effect:+.1f}%) gives it {d.power:.0%} power; leakage "
             f"into the control regions biases it by {p.leakage_bias:+.1f} points.")
    others = "; ".join(f"{METRIC_WORDS[m]}: minimum detectable {x.mde:.1f} points, power "
                       f"{x.power:.0%}" for m, x in p.detect.items() if m != "turnover")
    return [first, test] + ([f"Other pilot metrics ({others})."] if others else [])


def losses_sentence(r: StrategyResult, share: float) -> str | None:
    """The channels, regions and segments losing more than ``share``, even if the total holds."""
    if r.losses is None or r.losses.empty:
        return None
    named = [f"{x.by} {x.name}: {x.measure.replace('_', ' ')} {x.pct:+.0f}% (95% CI "
             f"{x.pct_low:+.0f}% to {x.pct_high:+.0f}%)" for x in r.losses.itertuples()]
    return (f"Material losses (more than {share:.0%} of the baseline from week "
            f"{r.decomposition.first_effect_week}): " + "; ".join(named) + ".")


def decomposition_sentence(r: StrategyResult, currency: str = "") -> str | None:
    """Where Δ turnover comes from: its parts, largest first, adding up to the total."""
    d = r.decomposition
    if d is None:
        return None
    unit = f" {currency}" if currency else ""
    parts = sorted(PARTS, key=lambda p: -abs(d.parts[p].estimate))
    named = [f"{PART_LABELS[p]} {d.parts[p].estimate:+,.0f}" for p in parts
             if d.parts[p].estimate]
    return (f"From week {d.first_effect_week} turnover changes by {d.total.estimate:+,.0f}"
            f"{unit} (95% CI {d.total.low:+,.0f} to {d.total.high:+,.0f}): "
            + ("; ".join(named) or "no part moves") + ".")


def dip_sentence(r: StrategyResult) -> str | None:
    """What the worst dip is made of (the weeks its rolling mean spans): its largest losses."""
    d = r.dip_parts
    if d is None:
        return None
    worst = sorted(PARTS, key=lambda p: d.parts[p].estimate)[:2]
    named = [f"{PART_LABELS[p]} {d.parts[p].estimate:+,.0f}" for p in worst
             if d.parts[p].estimate < 0]
    return (f"In the weeks of the worst dip ({d.first_effect_week}-{d.last_week}) "
            f"turnover changes by {d.total.estimate:+,.0f} (95% CI {d.total.low:+,.0f} to "
            f"{d.total.high:+,.0f})" + (", mostly " + " and ".join(named) if named else "")
            + ".")


def moves_sentence(r: StrategyResult) -> str | None:
    """The KPIs the strategy moves materially, largest effect first."""
    moves = r.moves
    if not moves:
        return None
    more = len(moves) - MOVES_NAMED
    tail = f"; and {more} more in summary.json" if more > 0 else ""
    return (f"It moves, from week {r.start_week}: "
            + "; ".join(m.words() for m in moves[:MOVES_NAMED]) + tail + ".")


def sentences(comp: Comparison) -> dict[str, list[str]]:
    """All sentences per strategy, headline first, then the material losses."""
    out = {}
    for name, r in comp.strategies.items():
        lines = [headline(r, comp.weeks)]
        extra = (losses_sentence(r, comp.material_share),
                 decomposition_sentence(r, comp.currency), dip_sentence(r), moves_sentence(r))
        lines += [x for x in extra if x]
        lines += [risk_sentence(r, comp.material), relationships_sentence(r)]
        p = pilot_sentence(r)
        if p:
            lines.append(p)
            lines.extend(pilot_power_sentences(r))
        out[name] = lines
    return out
