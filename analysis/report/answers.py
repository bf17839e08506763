"""The answer for each strategy, as the report's first screen and the deck show it.

One :class:`Answer` per strategy holds short texts only: a verdict, the turnover and margin
changes after the start with their intervals, the risk of shrinking, the dip and its
recovery, what the verdict rests on and what a pilot would have shown. Every figure comes
from the comparison (:class:`analysis.comparison.paired.StrategyResult`) or from
``breakeven.json``; nothing here computes a statistic, so the first screen, the summary table
and the sentences below them show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.comparison.narrative import losses_sentence
from analysis.comparison.paired import DIP_SHOWN, Comparison, StrategyResult


def _change(iv) -> str:
    return f"{iv.estimate:+.1f}% ({iv.low:+.1f}% to {iv.high:+.1f}%)"


def verdict(r: StrategyResult) -> str:
    """Grows, shrinks or unclear: the sign of turnover after the start, if its interval agrees.

    The interval is the 95% paired interval of turnover from the first effect week; when it
    spans zero the verdict says which way the estimate leans.
    """
    t = r.windows.turnover_after
    if t.low > 0:
        head = "Grows turnover"
    elif t.high < 0:
        head = "Shrinks turnover"
    else:
        head = f"Unclear, leans {'up' if t.estimate >= 0 else 'down'}"
    if r.losses is not None and not r.losses.empty:
        head += "; material losses in part of the market"
    return head


def dip_words(r: StrategyResult) -> str:
    """The worst dip and its recovery, or that there is none worth telling."""
    d = r.dip
    if d.depth_pct >= DIP_SHOWN:
        return f"no dip below the baseline's by more than {-DIP_SHOWN:g}%"
    return f"{d.depth_pct:+.1f}% around week {d.week}; {r.recovery.words('recovered')}"


def pilot_words(r: StrategyResult) -> str:
    """What a pilot would have measured against the truth, in one short line."""
    if r.pilot is None:
        return "no pilot in this strategy"
    s = r.pilot.summary()
    return (f"in {', '.join(r.pilot.pilot_regions)}: measured {s['pilot_measured_pct']:+.1f}%, "
            f"true {s['pilot_true_pct']:+.1f}%; wrong sign in {s['pilot_p_wrong_sign']:.0%} "
            "of futures")


def rests_on_words(name: str, reps: int, breakeven: dict | None) -> str:
    """The conditions that would turn the verdict (``breakeven.json``), or that none were tried.

    Args:
        name: the strategy's folder name.
        reps: futures of the comparison.
        breakeven: the loaded ``breakeven.json`` (None when ``channelsim breakeven`` was not run).

    """
    part = (breakeven or {}).get("strategies", {}).get(name)
    if part is None:
        return f"{reps} paired futures; break-even not run"
    turns = [f"{p} {u['turns_when']}" for p, u in part["uncertainties"].items()
             if u.get("turns_when")]
    if not turns:
        return "holds whatever the value of any one uncertainty within its range"
    return "turns if " + " or ".join(turns) + " (the others at nominal)"


@dataclass
class Answer:
    """What the first screen and the deck say about one strategy (all texts)."""

    name: str
    label: str
    description: str
    verdict: str
    sentence: str
    from_week: int
    turnover: str
    margin: str
    p_shrink: str
    dip: str
    rests_on: str
    pilot: str
    losses: str | None
    at_risk: bool


def answers(comp: Comparison, lines: dict[str, list[str]], descriptions: dict[str, str],
            breakeven: dict | None = None) -> list[Answer]:
    """One answer per strategy, in the comparison's order.

    Args:
        comp: the comparison.
        lines: its sentences (:func:`analysis.comparison.narrative.sentences`); the first of
            each is the verdict sentence.
        descriptions: each scenario's ``description:`` by folder name.
        breakeven: the loaded ``breakeven.json``, if any.

    """
    out = []
    for name, r in comp.strategies.items():
        w = r.windows
        out.append(Answer(
            name=name, label=r.title, description=descriptions.get(name, ""),
            verdict=verdict(r), sentence=lines[name][0], from_week=w.first_effect_week,
            turnover=_change(w.turnover_after), margin=_change(w.margin_after),
            p_shrink=f"{r.p_shrink.estimate:.0%} of futures",
            dip=dip_words(r), rests_on=rests_on_words(name, r.reps, breakeven),
            pilot=pilot_words(r), losses=losses_sentence(r, comp.material_share),
            at_risk=r.at_risk_to_turnover))
    return out
