"""Break-even findings in words and as the document ``breakeven.json`` holds.

A strategy's sentence names the conditions under which its verdict at nominal turns:
"case_reform shrinks turnover after week 22 (-3.1% with every uncertainty at nominal)
unless `choice.brand_nest` < 0.41 or `competitor.response` < 0.12". One line per
uncertainty follows: its root with the interval outside which the sign is clear, "none
within the range", or several roots.
"""

from __future__ import annotations

import json
from pathlib import Path

from analysis.comparison.stats import Interval
from analysis.studies.roots import Search

BREAKEVEN_FILE = "breakeven.json"


def _num(x: float) -> str:
    return f"{x:.3g}"


def _pct(iv: Interval) -> str:
    return f"{iv.estimate:+.1f}% [{iv.low:+.1f}, {iv.high:+.1f}]"


def turning(search: Search, grows: bool) -> str | None:
    """The values of the setting at which the verdict turns, e.g. ``> 0.62`` (None: nowhere).

    The range is cut at the roots into segments of alternating sign; the segments whose
    sign differs from the verdict's are named.
    """
    if not search.roots:
        return None
    cuts = [search.low, *[r.estimate for r in search.roots], search.high]
    first = search.sorted_points()[0][1].estimate >= 0       # the sign at the low end
    parts = []
    for i in range(len(cuts) - 1):
        positive = first if i % 2 == 0 else not first
        if positive == grows:
            continue
        if i == 0:
            parts.append(f"< {_num(cuts[1])}")
        elif i == len(cuts) - 2:
            parts.append(f"> {_num(cuts[i])}")
        else:
            parts.append(f"between {_num(cuts[i])} and {_num(cuts[i + 1])}")
    return " or ".join(parts) or None


def search_line(path: str, search: Search, guess: float | None) -> str:
    """One uncertainty's finding in words."""
    pts = search.sorted_points()
    span = f"{_num(search.low)} to {_num(search.high)}"
    first = ("" if guess is None else
             f"; the linear fit on compare's futures crosses zero at {_num(guess)}"
             + ("" if search.low <= guess <= search.high else ", outside the range"))
    if not search.roots:
        return (f"`{path}`: no break-even within {span} (change {pts[0][1].estimate:+.1f}% "
                f"at {_num(pts[0][0])}, {pts[-1][1].estimate:+.1f}% at {_num(pts[-1][0])})"
                f"{first}.")
    roots = ", ".join(f"{_num(r.estimate)} (sign clear outside {_num(r.low)} to {_num(r.high)})"
                      for r in search.roots)
    what = "break-even at" if len(search.roots) == 1 else f"{len(search.roots)} break-evens:"
    return (f"`{path}`: {what} {roots} within {span}, after {search.steps} bisection steps"
            f"{first}.")


def strategy_sentence(label: str, week: int, at_nominal: Interval,
                      searches: dict[str, Search]) -> str:
    """The headline: the verdict at nominal and the conditions that turn it."""
    grows = at_nominal.estimate >= 0
    verb = "grows" if grows else "shrinks"
    conds = [f"`{p}` {t}" for p, s in searches.items()
             if (t := turning(s, grows)) is not None]
    head = (f"{label} {verb} turnover after week {week} ({_pct(at_nominal)} with every "
            "uncertainty at nominal)")
    if not conds:
        return f"{head} whatever the value of any one uncertainty within its range."
    return f"{head} unless {' or '.join(conds)} (the others at nominal)."


def sentences(result) -> list[str]:
    """Every strategy's headline, then one line per uncertainty."""
    comp = result.comparison
    out = []
    for name in comp.strategies:
        label = comp.manifest["scenarios"][name].get("label", name)
        out.append(strategy_sentence(label, comp.from_week(name), result.at_nominal[name],
                                     result.searches[name]))
        out += [f"  {search_line(p, s, result.guesses[name][p])}"
                for p, s in result.searches[name].items()]
    return out


def _iv(iv: Interval) -> dict:
    return {"estimate": iv.estimate, "low": iv.low, "high": iv.high}


def breakeven_document(result, command: str = "") -> dict:
    """What ``breakeven.json`` holds: settings, sentences, and per strategy each search."""
    comp = result.comparison
    doc = {"command": command, "reps": result.reps, "seed": comp.manifest["seed"],
           "weeks": comp.manifest["weeks"], "runs": result.runs,
           "sentences": result.lines, "strategies": {}}
    for name in comp.strategies:
        grows = result.at_nominal[name].estimate >= 0
        unc = {}
        for p, s in result.searches[name].items():
            unc[p] = {"low": s.low, "high": s.high, "nominal": s.nominal,
                      "first_estimate": result.guesses[name][p], "steps": s.steps,
                      "verdict": ("none within the range" if not s.roots else
                                  "root" if len(s.roots) == 1 else "several roots"),
                      "turns_when": turning(s, grows),
                      "roots": [{"estimate": r.estimate, "low": r.low, "high": r.high,
                                 "rising": r.rising} for r in s.roots],
                      "points": [{"value": x, **_iv(iv)} for x, iv in s.sorted_points()]}
        doc["strategies"][name] = {
            "label": comp.manifest["scenarios"][name].get("label", name),
            "from_week": comp.from_week(name), "at_nominal": _iv(result.at_nominal[name]),
            "sentence": strategy_sentence(comp.manifest["scenarios"][name].get("label", name),
                                          comp.from_week(name), result.at_nominal[name],
                                          result.searches[name]),
            "uncertainties": unc}
    return doc


def report_rows(doc: dict) -> list[list[str]]:
    """The report's table from ``breakeven.json``: one row per strategy and uncertainty.

    Columns: strategy, uncertainty, range, nominal, break-even (with the interval outside
    which the sign is clear) or "none within the range", the verdict turns when, and the
    change (with its interval) at the range's low and high ends.
    """
    rows = []
    for s in doc["strategies"].values():
        for path, u in s["uncertainties"].items():
            roots = "; ".join(f"{_num(r['estimate'])} ({_num(r['low'])} to {_num(r['high'])})"
                              for r in u["roots"]) or "none within the range"
            ends = [f"{p['estimate']:+.1f}% [{p['low']:+.1f}, {p['high']:+.1f}]"
                    for p in (u["points"][0], u["points"][-1])]
            rows.append([s["label"], path, f"{_num(u['low'])} to {_num(u['high'])}",
                         _num(u["nominal"]), roots, u["turns_when"] or "-", *ends])
    return rows


def load_breakeven(folder: str | Path) -> dict | None:
    """The comparison's ``breakeven.json`` (None when break-even was not run)."""
    path = Path(folder) / BREAKEVEN_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def with_rests_on(summary: dict, breakeven: dict | None) -> dict:
    """``summary.json``'s document with each strategy's break-even as ``rests_on``."""
    for name, part in (breakeven or {}).get("strategies", {}).items():
        if name in summary.get("strategies", {}):
            summary["strategies"][name]["rests_on"] = part
    return summary
