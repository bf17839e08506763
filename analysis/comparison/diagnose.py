"""The source's diagnostic questions, for a simulated baseline or a client's deal export.

How many distributors and partners are active rather than merely contracted? What share
of sales goes through the distribution network, and how has it moved? Which channels
give the best margin and stability? Where are the conflicts between channel types? How
concentrated are the channel's sales?
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.tabular import TableError, read_table
from sim.vocab import TURNOVER_CHANNELS as CHANNELS
from sim.vocab import WEEKS_PER_YEAR

CSV_COLUMNS = ("date", "channel", "partner_id", "region", "segment", "amount")
NETWORK_COLUMNS = ("distributors_contracted", "distributors_active", "partners_contracted",
                   "partners_active")


class DealExportError(UserError, ValueError):
    """A deal export that cannot be read; the message names the file and the problem."""


@dataclass
class Diagnosis:
    """Answers to the diagnostic questions."""

    network: pd.DataFrame  # year x contracted / active distributors and partners
    distribution_share: pd.Series  # year -> share of end-customer sales via the network
    channels: pd.DataFrame  # channel x sales, share, realisation, cv
    conflicts: pd.DataFrame | None  # channel type x channel type
    top20_share: float
    hhi: float
    leaders: pd.DataFrame | None = None  # the biggest sellers: name, role, share of sales


def _concentration(sales: pd.Series) -> tuple[float, float]:
    s = sales[sales > 0].sort_values(ascending=False)
    n = len(sales)
    total = s.sum()
    if n == 0 or total <= 0:
        return 0.0, 0.0
    top = s.iloc[: math.ceil(0.2 * n)].sum() / total
    return float(top), float(((s / total) ** 2).sum() * 10_000)


def _cv(x: pd.Series) -> float:
    return float(x.std(ddof=0) / x.mean()) if len(x) and x.mean() else 0.0


def diagnose_tables(kpis: pd.DataFrame, agents: pd.DataFrame,
                    conflicts: pd.DataFrame) -> Diagnosis:
    """Diagnose simulated tables (one scenario; several replications are averaged)."""
    for df in (kpis, agents, conflicts):
        if "rep" not in df.columns:
            df.insert(0, "rep", 0)
    reps = kpis["rep"].nunique()
    a = agents.assign(year=(agents["week"] - 1) // WEEKS_PER_YEAR + 1)
    net = a[a["role"].isin(["distributor", "partner"])]
    rows = []
    for (year, role), g in net.groupby(["year", "role"]):
        # the model's own states in the year's last week: contracted (active or on paper),
        # and active (it sold, bought, specified or held a registration lately)
        last = g[g["week"] == g["week"].max()]
        rows.append({"year": year, "role": role,
                     "contracted": last["state"].isin(["active", "on_paper"]).sum() / reps,
                     "active": (last["state"] == "active").sum() / reps})
    network = pd.DataFrame(rows).pivot(index="year", columns="role",
                                       values=["contracted", "active"])
    network.columns = [f"{role}s_{what}" for what, role in network.columns]
    network = network[[c for c in NETWORK_COLUMNS if c in network.columns]]
    by_role = a.groupby(["year", "role"])["sell_through"].sum().unstack(fill_value=0.0)
    share = by_role.reindex(columns=CHANNELS, fill_value=0.0)
    dist_share = (share["distributor"] + share["partner"]) / share.sum(axis=1)
    k = kpis.assign(month=(kpis["week"] - 1) // 4)
    role_sales = a.groupby("role")["sell_through"].sum().reindex(CHANNELS, fill_value=0.0)
    turnover = pd.Series({c: kpis[f"turnover_{c}"].sum() for c in CHANNELS})
    monthly = k.groupby(["rep", "month"])[[f"turnover_{c}" for c in CHANNELS]].sum()
    channels = pd.DataFrame({
        "sales": role_sales / reps,
        "share": role_sales / role_sales.sum(),
        "turnover": turnover / reps,
        "realisation": turnover / role_sales.where(role_sales > 0),
        "cv_monthly": [_cv(monthly[f"turnover_{c}"].groupby("month").mean())
                       for c in CHANNELS],
    })
    c = conflicts.groupby("conflict_type")["count"].sum() / reps
    pairs = [t.split("_vs_") for t in c.index]
    roles = sorted({r for p in pairs for r in p}, key=CHANNELS.index)
    matrix = pd.DataFrame(0.0, index=roles, columns=roles)
    for (r1, r2), v in zip(pairs, c.to_numpy(), strict=True):
        matrix.loc[r1, r2] += v
        if r1 != r2:
            matrix.loc[r2, r1] += v
    # per replication, then averaged (the companies are the same in every future)
    conc = [_concentration(g.groupby("agent_id")["sell_through"].sum())
            for _, g in net.groupby("rep")]
    top, hhi = (float(np.mean([c[0] for c in conc])), float(np.mean([c[1] for c in conc])))
    return Diagnosis(network, dist_share, channels, matrix, top, hhi, _leaders(net))


def _leaders(net: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The ``top`` distributors and partners by sales, by name, with their share."""
    names = net["name"] if "name" in net else net["agent_id"]
    sales = net.assign(name=names).groupby(["agent_id", "name", "role"])["sell_through"].sum()
    share = (sales / sales.sum()) if sales.sum() > 0 else sales
    return (share.rename("share").reset_index().sort_values("share", ascending=False)
            .head(top).set_index("name")[["agent_id", "role", "share"]])


def read_deal_export(path: str | Path) -> pd.DataFrame:
    """Read and check a deal export (CSV in any common dialect, or .xlsx).

    It has columns ``date, channel, partner_id, region, segment, amount``; any problem
    raises DealExportError with one clear line naming the file, row and column.
    """
    path = Path(path)
    try:
        t = read_table(path, required=CSV_COLUMNS, what="deal export")
        channel = t.text("channel", allowed=CHANNELS)
        amount = t.number("amount", minimum=0.0)
        dates = pd.to_datetime(pd.Series(t.text("date")), errors="coerce")
    except TableError as exc:
        raise DealExportError(str(exc)) from None
    if dates.isna().any():
        i = int(dates.isna().to_numpy().argmax())
        raise DealExportError(f"{path}: row {t.row(i)}, column date: unparseable date "
                              f"'{t.frame['date'].iloc[i]}' (write it as 2024-03-31)")
    df = t.frame[list(CSV_COLUMNS)].copy()
    df["channel"], df["amount"], df["date"] = channel, amount, dates.to_numpy()
    df["partner_id"] = df["partner_id"].where(df["partner_id"] != "", None)
    return df


def diagnose_deals(df: pd.DataFrame) -> Diagnosis:
    """Diagnose a client's deal export (no conflicts: an export shows only who won).

    Contracted: partner ids seen up to the end of the year; active: selling something that
    year (as in the model: active means selling). Realisation needs invoices and is left
    empty.
    """
    df = df.assign(year=df["date"].dt.year, month=df["date"].dt.to_period("M"))
    net = df[df["channel"].isin(["distributor", "partner"])]
    rows = []
    for year in sorted(df["year"].unique()):
        row = {"year": year}
        for role in ("distributor", "partner"):
            r = net[net["channel"] == role]
            contracted = r.loc[r["year"] <= year, "partner_id"].nunique()
            sales = r[r["year"] == year].groupby("partner_id")["amount"].sum()
            row[f"{role}s_contracted"] = contracted
            row[f"{role}s_active"] = int((sales > 0).sum())
        rows.append(row)
    network = pd.DataFrame(rows).set_index("year")
    by = df.groupby(["year", "channel"])["amount"].sum().unstack(fill_value=0.0).reindex(
        columns=CHANNELS, fill_value=0.0)
    dist_share = (by["distributor"] + by["partner"]) / by.sum(axis=1)
    sales = df.groupby("channel")["amount"].sum().reindex(CHANNELS, fill_value=0.0)
    months = pd.period_range(df["month"].min(), df["month"].max(), freq="M")
    monthly = df.groupby(["channel", "month"])["amount"].sum()
    channels = pd.DataFrame({
        "sales": sales, "share": sales / sales.sum(), "turnover": np.nan, "realisation": np.nan,
        "cv_monthly": [_cv(monthly.get(c, pd.Series(dtype=float)).reindex(months, fill_value=0))
                       for c in CHANNELS]})
    top, hhi = _concentration(net.groupby("partner_id")["amount"].sum())
    return Diagnosis(network, dist_share, channels, None, top, hhi)


def diagnose_results(res) -> Diagnosis:
    """Diagnose the baseline of a stored comparison (all its replications)."""
    b = res.baseline

    def mine(name):
        t = res.table(name)
        return t[t["scenario"] == b].drop(columns="scenario")

    return diagnose_tables(mine("kpis"), mine("agents"), mine("conflicts"))


def diagnosis_html(d: Diagnosis) -> str:
    """The diagnosis as HTML tables for the report."""
    def table(df: pd.DataFrame, fmt, index: bool = True) -> str:
        df = df.rename(columns=lambda c: str(c).replace("_", " "))
        return df.to_html(float_format=fmt, na_rep="—", border=0, index=index)

    parts = ["<h3>Active vs contracted distributors and partners</h3>",
             table(d.network, lambda v: f"{v:,.1f}"),
             "<h3>Share of end-customer sales through distributors and partners</h3>",
             table(d.distribution_share.rename("share").to_frame(), lambda v: f"{v:.1%}"),
             "<h3>Channels: sales, manufacturer's realisation and stability</h3>",
             table(d.channels, lambda v: f"{v:,.2f}"),
             f"<p>The top 20% of distributors and partners make {d.top20_share:.0%} of their "
             f"sales (HHI {d.hhi:,.0f}).</p>"]
    if d.leaders is not None and len(d.leaders):
        parts += ["<h3>The biggest distributors and partners</h3>",
                  table(d.leaders.reset_index(), lambda v: f"{v:.1%}", index=False)]
    if d.conflicts is not None:
        parts += ["<h3>Conflicts between channel types (deals pursued by both)</h3>",
                  table(d.conflicts, lambda v: f"{v:,.0f}")]
    return "\n".join(parts)
