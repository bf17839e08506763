"""The books: where every unit of money lands each week, and five of the output tables.

Weekly figures accumulate into preallocated arrays; DataFrames are built once, on demand.
"""

from __future__ import annotations

import math
from itertools import combinations_with_replacement

import numpy as np
import pandas as pd

from sim import kernels
from sim.vocab import KINDS, ROLES, SEGMENTS, STATES, TURNOVER_CHANNELS, State

KPI_COLUMNS = (
    "week", "turnover", "turnover_direct", "turnover_distributor", "turnover_partner",
    "turnover_marketplace", "sell_through", "margin", "rebates", "marketing_funds",
    "channel_inventory_value", "deals_created", "deals_won", "deals_lost", "conflicts",
    "poaching", "price_dumping", "agents_contracted", "agents_active", "agents_on_paper",
    "agents_defected", "top20_share", "mean_commitment", "fill_rate", "inventory_days",
    # Beyond the required set: what the accounting and the service KPIs are built from.
    "cogs", "direct_cost", "units_from_stock", "units_ordered_from_stock", "deals_unserved",
    # The source's levers: co-sold deals, and customer relationships the rules broke.
    "deals_co_sold", "relationships_broken",
    *(f"relationships_broken_{c}" for c in TURNOVER_CHANNELS),
    *(f"relationships_broken_{s}" for s in SEGMENTS),
)
BROKEN_COLUMNS = tuple(c for c in KPI_COLUMNS if c.startswith("relationships_broken"))
ACCUMULATED = ("turnover_direct", "turnover_distributor", "turnover_partner",
               "turnover_marketplace", "sell_through", "rebates", "marketing_funds", "cogs",
               "direct_cost", "deals_created", "deals_won", "deals_lost", "conflicts",
               "poaching", "price_dumping", "units_from_stock", "units_ordered_from_stock",
               "deals_unserved", "deals_co_sold")
ROLE_PAIRS = list(combinations_with_replacement(range(len(ROLES)), 2))
CONFLICT_TYPES = tuple(f"{ROLES[a]}_vs_{ROLES[b]}" for a, b in ROLE_PAIRS)
_PAIR_INDEX = np.zeros((len(ROLES), len(ROLES)), dtype=np.int64)
for _i, (_a, _b) in enumerate(ROLE_PAIRS):
    _PAIR_INDEX[_a, _b] = _PAIR_INDEX[_b, _a] = _i
UNASSIGNED = len(SEGMENTS)  # by-region column for money with no segment (stock, rebates)
REGION_FIELDS = ("turnover", "sell_through", "deals_won", "conflicts", "deals_decided")


def nonzero_sum(values) -> float:
    """Sum of the non-zero entries.

    Floating-point sums depend on the array's length; skipping zeros makes a total over
    agents identical in two arms that differ only by agents who have not sold anything
    yet (a strategy that adds agents), so paired differences stay exactly zero.
    """
    if isinstance(values, (float, int, np.floating, np.integer)):
        return float(values)         # a single number: nothing to skip (most calls)
    a = np.asarray(values, dtype=float)
    if a.ndim != 1:
        # a[a != 0] of an array of several dimensions is taken in C order, as ravel is
        return float(a) if a.ndim == 0 else kernels.nonzero_sum(a.ravel())
    # np.add.reduce(a[a != 0]) (the pairwise sum ndarray.sum makes), compiled
    return kernels.nonzero_sum(a)


def conflict_type(role_a: np.ndarray, role_b: np.ndarray) -> np.ndarray:
    """Index into ``CONFLICT_TYPES`` for each pair of roles (order does not matter)."""
    return _PAIR_INDEX[role_a, role_b]


def top_share(sales: np.ndarray, share: float = 0.2) -> float:
    """Share of total ``sales`` made by the top ``ceil(share * n)`` sellers (0 if no sales)."""
    total = float(sales.sum())
    if len(sales) == 0 or total <= 0:
        return 0.0
    k = math.ceil(share * len(sales))
    return float(np.sort(sales)[::-1][:k].sum() / total)


class Ledger:
    """Weekly accumulators and the run's recorded history."""

    def __init__(self, weeks: int, n_regions: int, channel, region_names: list[str]):
        self.weeks = weeks
        self.region_names = region_names
        self.now = dict.fromkeys(ACCUMULATED, 0.0)
        self.region = np.zeros((len(REGION_FIELDS), n_regions, len(SEGMENTS) + 1))
        self.conflict_counts = np.zeros(len(CONFLICT_TYPES))
        self.broken_now = np.zeros((len(ROLES), len(SEGMENTS)))   # relationships, by role
        # turnover by channel, segment (or none) and region; distributors' sales by cell
        self.flow_now = np.zeros((len(TURNOVER_CHANNELS), len(SEGMENTS) + 1, n_regions))
        self.served_now = np.zeros((len(SEGMENTS), n_regions))
        self.flows = np.zeros((weeks, *self.flow_now.shape))
        self.served = np.zeros((weeks, *self.served_now.shape))
        self.kpi = np.zeros((weeks, len(KPI_COLUMNS)))
        self.by_region = np.zeros((weeks, len(REGION_FIELDS), n_regions, len(SEGMENTS) + 1))
        self.conflicts = np.zeros((weeks, len(CONFLICT_TYPES)))
        self.agents = np.zeros((weeks, channel.n, 7))
        self.recorded = 0

    def add(self, column: str, amount) -> None:
        """Add a number, or the sum of an array, to one of this week's totals."""
        self.now[column] += nonzero_sum(amount)

    def turnover(self, channel: str, amounts: np.ndarray, regions: np.ndarray,
                 segments: np.ndarray | int = UNASSIGNED) -> None:
        """Book manufacturer turnover in ``turnover_<channel>`` by region and segment."""
        amounts = np.asarray(amounts, dtype=float)
        if amounts.size == 0:
            return
        self.now[f"turnover_{channel}"] += nonzero_sum(amounts)
        n = len(amounts)
        if np.shape(regions) != amounts.shape:
            regions = np.full(n, regions, dtype=np.int64)
        if np.ndim(segments) == 0:
            segments = np.full(n, segments, dtype=np.int64)
        # np.add.at's sums, element by element in order, compiled
        kernels.add_at_2d(self.region[0], regions, segments, amounts)
        kernels.add_at_2d(self.flow_now[TURNOVER_CHANNELS.index(channel)], segments, regions,
                          amounts)

    def served_by_distributors(self, value: np.ndarray, regions: np.ndarray,
                               segments: np.ndarray) -> None:
        """Distributors' sales (at their purchase price) by the customer's region and segment.

        Their sell-in has no segment; the channel map spreads it in proportion to these.
        """
        kernels.add_at_2d(self.served_now, segments, regions, value)

    def regional(self, field: str, amounts, regions, segments) -> None:
        """Add to a by-region figure (sell-through, deals won, conflicts)."""
        kernels.add_at_2d(self.region[REGION_FIELDS.index(field)], regions, segments, amounts)

    def broken(self, roles: np.ndarray, segments: np.ndarray) -> None:
        """Count customer relationships broken by a rule, by the supplier's role and segment.

        A relationship is broken when a customer's supplier changes because of a rule
        (territory, segment or account rules, a removal, a defection), not a lost deal.
        """
        np.add.at(self.broken_now, (np.asarray(roles, dtype=np.int64),
                                    np.asarray(segments, dtype=np.int64)), 1.0)

    def conflict(self, types: np.ndarray) -> None:
        """Count conflicts by type."""
        self.conflict_counts += np.bincount(types, minlength=len(CONFLICT_TYPES))

    def close_week(self, week: int, channel, inventory_value: float,
                   inventory_units: float, weekly_units: float) -> dict[str, float]:
        """Record the week (weeks < 1 are warm-up and not kept); reset the accumulators."""
        n = self.now
        row = dict(n)
        row["week"] = week
        row["turnover"] = sum(n[f"turnover_{c}"] for c in TURNOVER_CHANNELS)
        row["margin"] = row["turnover"] - n["cogs"] - n["marketing_funds"] - n["direct_cost"]
        row["channel_inventory_value"] = inventory_value
        contracted = channel.contracted()
        partners = channel.channel_partners()
        count = np.count_nonzero
        row["agents_contracted"] = count(contracted)
        row["agents_active"] = count(contracted & (channel.state == State.ACTIVE))
        row["agents_on_paper"] = count(contracted & (channel.state == State.ON_PAPER))
        row["agents_defected"] = count(partners & (channel.state == State.DEFECTED))
        row["top20_share"] = top_share(channel.trailing.sum(axis=0)[contracted])
        row["mean_commitment"] = (float(channel.commitment[contracted].mean())
                                  if contracted.any() else 0.0)
        b = self.broken_now
        if b.any():
            row["relationships_broken"] = b.sum()
            for i, c in enumerate(ROLES):
                row[f"relationships_broken_{c}"] = b[i].sum()
            for i, sname in enumerate(SEGMENTS):
                row[f"relationships_broken_{sname}"] = b[:, i].sum()
        else:       # most weeks: nothing broken (the same zeros, without ten sums)
            row.update(dict.fromkeys(BROKEN_COLUMNS, 0.0))
        asked = n["units_ordered_from_stock"]
        row["fill_rate"] = n["units_from_stock"] / asked if asked > 0 else 1.0
        row["inventory_days"] = (min(3650.0, 7.0 * inventory_units / weekly_units)
                                 if weekly_units > 0 else 0.0)
        if week >= 1:
            if week > self.weeks:
                self._grow(max(week, 2 * self.weeks))
            i = week - 1
            self.kpi[i] = [row[c] for c in KPI_COLUMNS]
            self.by_region[i] = self.region
            self.conflicts[i] = self.conflict_counts
            self.agents[i, :, 0] = channel.week["sell_through"]
            self.agents[i, :, 1] = channel.week["purchases"]
            self.agents[i, :, 2] = channel.commitment
            self.agents[i, :, 3] = channel.state
            self.agents[i, :, 4] = channel.kind
            self.agents[i, :, 5] = channel.week["spec_ins"]
            self.agents[i, :, 6] = channel.registrations
            self.flows[i] = self.flow_now
            self.served[i] = self.served_now
            self.recorded = week
        for k in n:
            n[k] = 0.0
        self.region.fill(0.0)
        self.conflict_counts.fill(0.0)
        self.broken_now.fill(0.0)
        self.flow_now.fill(0.0)
        self.served_now.fill(0.0)
        return row

    def _grow(self, weeks: int) -> None:
        for name in ("kpi", "by_region", "conflicts", "agents", "flows", "served"):
            old = getattr(self, name)
            new = np.zeros((weeks, *old.shape[1:]))
            new[: len(old)] = old
            setattr(self, name, new)
        self.weeks = weeks

    def tables(self, channel) -> dict[str, pd.DataFrame]:
        """The five output tables over the weeks recorded so far."""
        w = self.recorded
        weeks = np.arange(1, w + 1)
        kpis = pd.DataFrame(self.kpi[:w], columns=list(KPI_COLUMNS))
        for c in ("week", "deals_created", "deals_won", "deals_lost", "conflicts", "poaching",
                  "price_dumping", "agents_contracted", "agents_active", "agents_on_paper",
                  "agents_defected", "deals_unserved", "deals_co_sold", *BROKEN_COLUMNS):
            kpis[c] = kpis[c].astype(np.int64)
        n_reg, n_seg = self.by_region.shape[2:]
        seg_names = [*SEGMENTS, "unassigned"]
        idx = pd.MultiIndex.from_product([weeks, self.region_names, seg_names],
                                         names=["week", "region", "segment"])
        by_region = pd.DataFrame(
            {f: self.by_region[:w, i].reshape(-1) for i, f in enumerate(REGION_FIELDS)},
            index=idx).reset_index()
        by_region["deals_won"] = by_region["deals_won"].astype(np.int64)
        by_region["deals_decided"] = by_region["deals_decided"].astype(np.int64)
        by_region["conflicts"] = by_region["conflicts"].astype(np.int64)
        conflicts = pd.DataFrame({
            "week": np.repeat(weeks, len(CONFLICT_TYPES)),
            "conflict_type": np.tile(CONFLICT_TYPES, w),
            "count": self.conflicts[:w].reshape(-1).astype(np.int64),
        })
        a = channel.n
        agents = pd.DataFrame({
            "week": np.repeat(weeks, a),
            "agent_id": np.tile(channel.names, w),
            "name": np.tile(np.asarray(channel.labels, dtype=object), w),
            "role": np.tile([ROLES[r] for r in channel.role], w),
            "kind": np.array([*KINDS, ""])[self.agents[:w, :, 4].astype(int).reshape(-1)],
            "region": np.tile([self.region_names[r] for r in channel.region], w),
            "sell_through": self.agents[:w, :, 0].reshape(-1),
            "purchases": self.agents[:w, :, 1].reshape(-1),
            "commitment": self.agents[:w, :, 2].reshape(-1),
            "state": np.array(STATES)[self.agents[:w, :, 3].astype(int).reshape(-1)],
            "spec_ins": self.agents[:w, :, 5].reshape(-1).astype(np.int64),
            "registrations": self.agents[:w, :, 6].reshape(-1).astype(np.int64),
        })
        return {"kpis": kpis, "by_region": by_region, "conflicts": conflicts, "agents": agents,
                "flows": self.flow_table()}

    def flow_table(self, window: int = 52) -> pd.DataFrame:
        """Turnover by channel, segment and region over the last ``window`` weeks recorded.

        Turnover with no segment (a distributor's sell-in, rebates and bonuses) is spread
        over the channel's cells in proportion to what it sold there (distributors: their
        sales at purchase prices, dealers' two-tier sales included; the others: their
        turnover with a segment); what has no such base stays in segment ``unassigned``.
        Each channel's rows add up to its turnover over the window.
        """
        w = self.recorded
        f = self.flows[max(0, w - window):w].sum(axis=0)            # [C, S + 1, R]
        served = self.served[max(0, w - window):w].sum(axis=0)      # [S, R]
        out = f.copy()
        for c, name in enumerate(TURNOVER_CHANNELS):
            if name == "distributor":   # all of it (sell-in, made to order) by their sales
                base, loose, kept = served, f[c].sum(), 0.0
            else:
                base, loose, kept = f[c, :UNASSIGNED], f[c, UNASSIGNED].sum(), f[c, :UNASSIGNED]
            if base.sum() > 0:
                out[c, :UNASSIGNED] = kept + loose * base / base.sum()
                out[c, UNASSIGNED] = 0.0
        seg_names = [*SEGMENTS, "unassigned"]
        idx = pd.MultiIndex.from_product([list(TURNOVER_CHANNELS), seg_names,
                                          self.region_names],
                                         names=["channel", "segment", "region"])
        table = pd.DataFrame({"turnover": out.reshape(-1)}, index=idx).reset_index()
        return table[table["turnover"] != 0].reset_index(drop=True)
