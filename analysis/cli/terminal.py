"""What the commands print: tables and sentences on a terminal, sized to its width."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pandas.api.types import is_numeric_dtype
from rich.console import Console

from analysis.cli.layout import (
    Column,
    fit_tables,
    key_value_block,
    print_heading,
    print_tables,
    print_wrapped,
    terminal_console,
)
from analysis.comparison.narrative import pilot_power_sentences
from analysis.comparison.windows import RECOVERED_SHARE

if TYPE_CHECKING:
    from analysis.comparison.paired import Comparison


_YEARLY = [("weeks", "weeks", "{:d}"),
           ("turnover_direct", "direct", "{:,.0f}"),
           ("turnover_distributor", "distrib.", "{:,.0f}"),
           ("turnover_partner", "partners", "{:,.0f}"),
           ("turnover_marketplace", "mktplace", "{:,.0f}"),
           ("turnover", "total", "{:,.0f}"),
           ("conflicts_per_100_deals", "confl./100", "{:.1f}"),
           ("price_dumping", "dumping", "{:,d}"),
           ("agents_active", "active", "{:d}"),
           ("agents_contracted", "contracted", "{:d}")]
_GROUPS = {"direct", "confl./100"}     # the columns starting turnover and the other KPIs


def print_summary(name: str, currency: str, kpis, console: Console | None = None) -> None:
    """Print turnover by channel per year, conflicts and active agents (split to fit)."""
    from analysis.comparison.summary import yearly_summary

    console = console or terminal_console()
    rows = []
    for _, row in yearly_summary(kpis).iterrows():
        cells = []
        for col, _, fmt in _YEARLY:
            v = row[col] / 1000.0 if col.startswith("turnover") else row[col]
            cells.append(fmt.format(int(v)) if fmt.endswith("d}") else fmt.format(v))
        rows.append((f"{int(row['year']):d}", cells))
    for t in fit_tables(console, f"{name}: turnover by channel per year ({currency} thousand)",
                        Column("year"), [Column(label, group=label in _GROUPS)
                                         for _, label, _ in _YEARLY], rows):
        console.print(t)


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


def _figures(comp: Comparison) -> list[tuple[Column, str, Callable]]:
    """The summary's columns: header (and a short one), the label in a block, the cell."""
    m = f"{abs(comp.material):.0%}"
    return [
        (Column("Δ turnover after start [95% CI]", "Δ turnover after\nstart [95% CI]"),
         "Δ turnover after start [95% CI]", lambda r: _pct(r.windows.turnover_after)),
        (Column("Δ margin"), "Δ margin after start",
         lambda r: f"{r.windows.margin_after.estimate:+.1f}%"),
        (Column("run rate"), "run rate (last 13 weeks)",
         lambda r: f"{r.windows.run_rate.estimate:+.1f}%"),
        (Column("P(shrink)", group=True), "P(shrink)", lambda r: _p(r.p_shrink)),
        (Column(f"P(< -{m})"), f"P(shrink by more than {m})",
         lambda r: _p(r.p_shrink_material)),
        (Column("P(shrink 9 mo)", "P(shrink\n9 mo)"), "P(shrink in the first 9 months)",
         lambda r: _p(r.p_shrink_9m)),
        (Column("diet S/B", "diet\nS/B"), "diet, strategy / baseline",
         lambda r: f"{_p(r.p_diet)} / {_p(r.p_diet_baseline)}"),
        (Column("worst dip", group=True), "worst dip",
         lambda r: f"{r.dip.depth_pct:+.1f}% (wk {r.dip.week})"),
        (Column("recovered"), "recovered", _recovered),
        (Column("Δ confl./100", "Δ confl.\n/100", group=True), "Δ conflicts per 100 deals",
         lambda r: f"{r.kpi_changes['conflicts_per_100_deals'].estimate:+.1f}"),
        (Column("Δ active", "Δ\nactive"), "Δ active agents",
         lambda r: f"{r.kpi_changes['agents_active'].estimate:+.1f}"),
    ]


def print_comparison(comp: Comparison, console: Console | None = None) -> None:
    """The summary a strategist reads first, then each strategy's verdict and notes.

    As one table where the terminal is wide enough, as two tables of fewer columns where
    not, and as one block per strategy (its figures one per line) on a narrow terminal.
    """
    from analysis.comparison.narrative import headline

    console = console or terminal_console()
    figures = _figures(comp)
    rows = [(r.title, [cell(r) for _, _, cell in figures]) for r in comp.strategies.values()]
    title = f"Strategies against {comp.baseline} ({comp.weeks} weeks, paired by replication)"
    tables = fit_tables(console, title, Column("strategy", justify="left"),
                        [col for col, _, _ in figures], rows, most=2)
    if tables is None:
        print_wrapped(console, title)
    for t in tables or []:
        console.print(t)
    for r, (_, cells) in zip(comp.strategies.values(), rows, strict=True):
        print_heading(console, r.title)
        print_wrapped(console, headline(r, comp.weeks))
        if tables is None:
            console.print(key_value_block([(label, cell) for (_, label, _), cell
                                           in zip(figures, cells, strict=True)]))
        for line in _notes(comp, r):
            print_wrapped(console, line)


def _notes(comp: Comparison, r) -> list[str]:
    """What the table cannot say: pairing, windows, pilot, losses, decomposition, at risk."""
    from analysis.comparison.narrative import (
        decomposition_sentence,
        dip_sentence,
        losses_sentence,
        moves_sentence,
    )

    notes = [f"  {r.reps} replications; pairing makes the variance of the turnover "
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
    return notes


def _who(agent) -> str:
    """An agent as a person reads it: its name, and its id where the two differ."""
    return agent.agent_id if agent.name == agent.agent_id else f"{agent.name} ({agent.agent_id})"


def print_calibration(study) -> None:
    """A calibration's findings and goodness of fit as terminal tables."""
    console = terminal_console()
    print_heading(console, f"Calibration: {study.doc['title']}")
    for line in study.doc["sentences"]:
        print_wrapped(console, line)
    for name in ("fit", "goodness of fit"):
        table = study.tables[name]
        key, *others = (Column(str(h), justify="left", title_justify="left")
                        for h in table["header"])
        rows = [(first, rest) for first, *rest in
                ([text for text, _ in row] for row in table["rows"])]
        print_tables(console, name, key, others, rows)


def print_diagnosis(title: str, d) -> None:
    """The diagnosis as terminal tables."""
    console = terminal_console()
    print_heading(console, f"Diagnosis: {title}")

    def show(df, heading: str, fmt) -> None:
        rows = [(str(idx), [("—" if v != v else fmt(v)) for v in row])
                for idx, row in df.iterrows()]
        print_tables(console, heading,
                     Column(df.index.name or "", justify="left", title_justify="left"),
                     [Column(str(c)) for c in df.columns], rows)

    show(d.network, "Contracted vs active distributors and partners, by year",
         lambda v: f"{v:,.1f}")
    show(d.distribution_share.rename("via distributors and partners").to_frame(),
         "Share of end-customer sales through the distribution network", lambda v: f"{v:.1%}")
    show(d.channels, "Channels: sales, realisation (turnover / sales), monthly CV",
         lambda v: f"{v:,.2f}")
    if d.conflicts is not None:
        show(d.conflicts, "Conflicts between channel types", lambda v: f"{v:,.0f}")
    print_wrapped(console, f"Top 20% of distributors and partners make {d.top20_share:.0%} of "
                           f"their sales; HHI {d.hhi:,.0f}.")


def _frame_cells(df) -> list[list[str]]:
    """A table's cells as pandas prints them (numbers to 4 decimals, one format a column)."""
    shown = df.round(4)
    cols = [shown[c].to_string(index=False).split("\n") if len(shown) else []
            for c in shown.columns]
    return [[col[i].strip() for col in cols] for i in range(len(shown))]


def print_study(result, columns: list[str] | None = None, table: str | None = None) -> None:
    """A study's sentences, optionally one of its tables, and where its files are."""
    console = terminal_console()
    for line in result.sentences:
        print_wrapped(console, line)
    if table is not None:
        t = result.tables[table]
        t = t[columns or list(t.columns)]
        rows = [(first, rest) for first, *rest in _frame_cells(t)]
        key, *others = (Column(str(c), justify="right" if is_numeric_dtype(t[c]) else "left")
                        for c in t.columns)
        print_tables(console, None, key, others, rows)
    print_wrapped(console, f"tables, charts and study.json in {result.folder}/")
