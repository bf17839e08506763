"""What the commands print: tables and sentences on a terminal, sized to its width."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from analysis.comparison.narrative import pilot_power_sentences
from analysis.comparison.windows import RECOVERED_SHARE

if TYPE_CHECKING:
    from analysis.comparison.paired import Comparison


def print_summary(name: str, currency: str, kpis) -> None:
    """Print turnover by channel per year, conflicts and active agents."""
    from analysis.comparison.summary import yearly_summary

    s = yearly_summary(kpis)
    table = Table(title=f"{name}: turnover by channel per year ({currency} thousand)")
    cols = [("year", "year", "{:d}"), ("weeks", "weeks", "{:d}"),
            ("turnover_direct", "direct", "{:,.0f}"),
            ("turnover_distributor", "distrib.", "{:,.0f}"),
            ("turnover_partner", "partners", "{:,.0f}"),
            ("turnover_marketplace", "mktplace", "{:,.0f}"),
            ("turnover", "total", "{:,.0f}"),
            ("conflicts_per_100_deals", "confl./100", "{:.1f}"),
            ("price_dumping", "dumping", "{:,d}"),
            ("agents_active", "active", "{:d}"),
            ("agents_contracted", "contracted", "{:d}")]
    for _, label, _ in cols:
        table.add_column(label, justify="right")
    for _, row in s.iterrows():
        cells = []
        for col, _, fmt in cols:
            v = row[col]
            if col.startswith("turnover"):
                v = v / 1000.0
            cells.append(fmt.format(int(v)) if fmt.endswith("d}") else fmt.format(v))
        table.add_row(*cells)
    Console(width=max(130, Console().width)).print(table)


def _pct(iv, digits=1) -> str:
    return f"{iv.estimate:+.{digits}f}% [{iv.low:+.{digits}f}, {iv.high:+.{digits}f}]"


def _recovered(r) -> str:
    """The dip's recovery as far as the futures agree (80% of them or say how many)."""
    rec = r.recovery
    if rec.n == 0:
        return "not by end"
    if rec.share >= RECOVERED_SHARE:
        return f"week {rec.median:.0f}"
    return f"{rec.n}/{rec.of} futures"


def _p(iv) -> str:
    return f"{iv.estimate:.0%}"


def print_comparison(comp: Comparison, console: Console | None = None) -> None:
    """The summary table a strategist reads first, plus the pilot and pairing notes."""
    from analysis.comparison.narrative import (
        decomposition_sentence,
        dip_sentence,
        losses_sentence,
        moves_sentence,
    )

    console = console or Console(width=max(190, Console().width))
    t = Table(title=f"Strategies against {comp.baseline} "
                    f"({comp.weeks} weeks, paired by replication)")
    for col in ("strategy", "Δ turnover after start [95% CI]", "Δ margin", "run rate",
                "P(shrink)", f"P(< -{abs(comp.material):.0%})", "P(shrink 9 mo)", "diet S/B",
                "worst dip", "recovered", "Δ confl./100", "Δ active"):
        t.add_column(col, justify="left" if col == "strategy" else "right", no_wrap=True)
    for r in comp.strategies.values():
        dip, w = r.dip, r.windows
        t.add_row(r.title, _pct(w.turnover_after), f"{w.margin_after.estimate:+.1f}%",
                  f"{w.run_rate.estimate:+.1f}%",
                  _p(r.p_shrink), _p(r.p_shrink_material), _p(r.p_shrink_9m),
                  f"{_p(r.p_diet)} / {_p(r.p_diet_baseline)}",
                  f"{dip.depth_pct:+.1f}% (wk {dip.week})", _recovered(r),
                  f"{r.kpi_changes['conflicts_per_100_deals'].estimate:+.1f}",
                  f"{r.kpi_changes['agents_active'].estimate:+.1f}")
    console.print(t)
    for r in comp.strategies.values():
        notes = [f"{r.title}: {r.reps} replications; pairing makes the variance of the turnover "
                 f"difference {r.pairing_gain:,.0f}x smaller than unpaired runs would",
                 f"  after start: weeks {r.windows.first_effect_week}-{comp.weeks}; from the "
                 f"full rollout (week {r.windows.full_week}) "
                 f"{_pct(r.windows.turnover_after_full)}; over the whole horizon "
                 f"{_pct(r.turnover_change_pct)}, margin {r.margin_change_pct.estimate:+.1f}%; "
                 f"run rate: the last 13 weeks"]
        if r.pilot is not None:
            s = r.pilot.summary()
            rollout = (f"full rollout {s['rollout_true_pct']:+.1f}%, "
                       if r.pilot.rollout_in_horizon else "full rollout after the horizon, ")
            wrong = f"; wrong sign in {s['pilot_p_wrong_sign']:.0%} of futures"
            notes.append(f"  pilot in {', '.join(r.pilot.pilot_regions)} (weeks "
                         f"{r.pilot.pilot_week}-{r.pilot.last_week}) would have measured "
                         f"{s['pilot_measured_pct']:+.1f}% against control regions; true effect "
                         f"there {s['pilot_true_pct']:+.1f}%, {rollout}spillover into controls "
                         f"{s['pilot_spillover_pct']:+.1f}%{wrong}")
            notes.extend(f"  {line}" for line in pilot_power_sentences(r))
        broken = r.kpi_changes["relationships_broken"]
        notes.append(f"  customer relationships broken by the rules from week {r.start_week}: "
                     f"{broken.estimate:+,.0f} [{broken.low:+,.0f}, {broken.high:+,.0f}] "
                     "against the baseline")
        notes += [f"  {x}" for x in (losses_sentence(r, comp.material_share),
                                     decomposition_sentence(r, comp.currency),
                                     dip_sentence(r), moves_sentence(r)) if x]
        if r.at_risk is not None:
            top = r.at_risk[r.at_risk["risk_increase"] > 0].head(3)
            names = ", ".join(f"{_who(a)} ({a.p_lost:.0%} of futures, baseline "
                              f"{a.p_lost_baseline:.0%})" for a in top.itertuples())
            notes.append("  more at risk of ending on paper or defecting: "
                         + (names or "nobody, compared with the baseline"))
        for line in notes:
            console.print(line)


def _who(agent) -> str:
    """An agent as a person reads it: its name, and its id where the two differ."""
    return agent.agent_id if agent.name == agent.agent_id else f"{agent.name} ({agent.agent_id})"


def print_calibration(study) -> None:
    """A calibration's findings and goodness of fit as terminal tables."""
    console = Console(width=max(120, Console().width))
    console.rule(f"Calibration: {study.doc['title']}")
    for line in study.doc["sentences"]:
        console.print(line)
    for name in ("fit", "goodness of fit"):
        table = study.tables[name]
        t = Table(title=name, title_justify="left")
        for h in table["header"]:
            t.add_column(str(h))
        for row in table["rows"]:
            t.add_row(*[text for text, _ in row])
        console.print(t)


def print_diagnosis(title: str, d) -> None:
    """The diagnosis as terminal tables."""
    console = Console(width=max(120, Console().width))
    console.rule(f"Diagnosis: {title}")

    def show(df, heading: str, fmt) -> None:
        t = Table(title=heading, title_justify="left")
        t.add_column(df.index.name or "", justify="left")
        for c in df.columns:
            t.add_column(str(c), justify="right")
        for idx, row in df.iterrows():
            t.add_row(str(idx), *[("—" if v != v else fmt(v)) for v in row])
        console.print(t)

    show(d.network, "Contracted vs active distributors and partners, by year",
         lambda v: f"{v:,.1f}")
    show(d.distribution_share.rename("via distributors and partners").to_frame(),
         "Share of end-customer sales through the distribution network", lambda v: f"{v:.1%}")
    show(d.channels, "Channels: sales, realisation (turnover / sales), monthly CV",
         lambda v: f"{v:,.2f}")
    if d.conflicts is not None:
        show(d.conflicts, "Conflicts between channel types", lambda v: f"{v:,.0f}")
    console.print(f"Top 20% of distributors and partners make {d.top20_share:.0%} of their "
                  f"sales; HHI {d.hhi:,.0f}.")


def print_study(result, quiet: bool = False, columns: list[str] | None = None,
                table: str | None = None) -> None:
    """A study's sentences, optionally one of its tables, and where its files are."""
    if quiet:
        return
    console = Console(width=max(120, Console().width))
    for line in result.sentences:
        console.print(line)
    if table is not None:
        t = result.tables[table]
        console.print(t[columns or list(t.columns)].round(4).to_string(index=False))
    console.print(f"tables, charts and study.json in {result.folder}/")
