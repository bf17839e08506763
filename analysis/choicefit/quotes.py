"""A client's quote log: the file format, its checks, and the quotes as arrays by deal.

Format (one row per quote; CSV with commas, semicolons or tabs and either decimal mark, or
an .xlsx workbook, read by :func:`sim.tabular.read_table`)::

    quote_id,date,deal_id,customer_id,segment,region,product,agent_id,price,list_price,
    delivery_weeks,won,incumbent,specified,competitor_price,competitor_incumbent
    Q000001,2024-01-08,K00001,C0042,mid,north,system,D02,1312.5,1500,1,1,0,0,1275,0

Required: ``quote_id``, ``deal_id``, ``segment`` (small, mid, key, project), ``product`` (a
product line of the scenario), ``agent_id`` (a roster id such as ``D01`` or ``P-inte-02``,
or a role or partner kind: ``distributor``, ``integrator``, ...), ``price`` or ``discount``
(fraction off list), ``list_price``, ``delivery_weeks`` and ``won`` (0/1). Optional:
``date`` (ISO), ``customer_id``, ``region`` (kept, not used by the fit), ``incumbent``
(0/1: the quoting agent is the customer's current supplier), ``specified`` (1 brand, 0
neither, -1 competitor), ``competitor_price`` (money, per unit; empty where unknown) and
``competitor_incumbent`` (0/1: the customer buys the competitor now; beyond the issue's
list, because the model's competitor gets the relationship term too). Rows of one deal
are grouped by ``deal_id`` and must agree on its segment, product, list price,
specification and the competitor's terms; at most one quote of a deal is won.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import UserError
from sim.scenario import Scenario
from sim.tabular import Table, TableError, read_table
from sim.vocab import KINDS, SEGMENTS

REQUIRED = ("quote_id", "deal_id", "segment", "product", "agent_id", "list_price",
            "delivery_weeks", "won")
OPTIONAL = ("price", "discount", "date", "customer_id", "region", "incumbent", "specified",
            "competitor_price", "competitor_incumbent")
CHANNEL_NAMES = ("distributor", "direct", "marketplace", *KINDS)
# Columns that describe the deal, not the quote: every row of a deal must agree on them.
_PER_DEAL = ("segment", "product", "list_price", "specified", "competitor_price",
             "competitor_incumbent")
_PRICE_AGREEMENT = 0.005   # price and discount given together: agree within 0.5% of list
_MOST_OVER_LIST = 3.0      # a quote at more than 3x list is a unit mistake, not a price


class QuotesError(UserError, ValueError):
    """The quotes file cannot be used; one line naming the file (and row and column)."""


@dataclass(frozen=True)
class Quotes:
    """Quotes sorted by deal: per-quote arrays of length ``N``, per-deal arrays of ``D``.

    Attributes:
        path: the file read.
        deal: deal position ``0..D-1`` of each quote, ascending.
        seller: the roster id or channel name that quoted.
        seller_kind: its role or partner kind (a key of ``behaviour.pricing.expertise``).
        price_rel: price over list (dimensionless).
        delivery: weeks to delivery.
        incumbent: 1.0 where the seller is the customer's incumbent (NaN: not in the file).
        won: whether the quote won.
        line: the file line of each quote (for messages).
        deal_id: the file's deal id of each deal.
        segment, product: each deal's segment and product line (indices).
        specified: +1 brand specified, -1 competitor, 0 neither.
        competitor_rel: the competitor's price over list (NaN where unknown).
        competitor_incumbent: 1.0 where the customer buys the competitor (NaN: unknown).

    """

    path: Path
    deal: np.ndarray
    seller: np.ndarray
    seller_kind: np.ndarray
    price_rel: np.ndarray
    delivery: np.ndarray
    incumbent: np.ndarray
    won: np.ndarray
    line: np.ndarray
    deal_id: np.ndarray
    segment: np.ndarray
    product: np.ndarray
    specified: np.ndarray
    competitor_rel: np.ndarray
    competitor_incumbent: np.ndarray

    @property
    def n_deals(self) -> int:
        """Number of deals."""
        return len(self.deal_id)

    @property
    def brand_won(self) -> np.ndarray:
        """Per deal, whether one of the brand's quotes won it."""
        return np.bincount(self.deal, weights=self.won, minlength=self.n_deals) > 0


def roster_kinds(sc: Scenario) -> dict[str, str]:
    """Each roster id of the scenario's network, with its role or partner kind.

    The ids are the model's own (``D01``, ``P-inte-01``, ``R01``, ``MKT``): the network is
    built as a run builds it (the draws that place agents do not change their ids).
    """
    from sim.vocab import ROLES, Role
    from sim.world import build_channels

    ch = build_channels(sc, np.random.default_rng(0))
    return {name: (KINDS[int(k)] if r == Role.PARTNER else ROLES[int(r)])
            for name, r, k in zip(ch.names, ch.role, ch.kind, strict=True)}


def _flag(t: Table, column: str, allowed: tuple[int, ...]) -> np.ndarray:
    """A column of whole numbers among ``allowed`` (NaN where the column is absent)."""
    if column not in t.frame.columns:
        return np.full(len(t.frame), np.nan)
    values = t.number(column, integer=True)
    for i, v in enumerate(values):
        if int(v) not in allowed:
            shown = ", ".join(map(str, allowed))
            raise TableError(f"{t.path}: row {t.row(i)}, column {column}: "
                             f"{t.frame[column].iat[i]!r} must be one of {shown}")
    return values


def _prices(t: Table, list_price: np.ndarray) -> np.ndarray:
    """Price over list, from ``price`` or ``discount`` (both: they must agree)."""
    cols = t.frame.columns
    if "price" not in cols and "discount" not in cols:
        raise TableError(f"{t.path}: missing column(s): price (or discount off list)")
    rel = None
    if "price" in cols:
        rel = t.number("price", minimum=0.0) / list_price
        bad = np.flatnonzero(rel <= 0)
        if len(bad):
            raise TableError(f"{t.path}: row {t.row(bad[0])}, column price: must be > 0")
        bad = np.flatnonzero(rel > _MOST_OVER_LIST)
        if len(bad):
            raise TableError(f"{t.path}: row {t.row(bad[0])}, column price: "
                             f"{rel[bad[0]]:.3g} times the list price (price and list_price "
                             "in the same unit and per unit?)")
    if "discount" in cols:
        disc = t.number("discount", minimum=0.0)
        bad = np.flatnonzero(disc >= 1.0)
        if len(bad):
            raise TableError(f"{t.path}: row {t.row(bad[0])}, column discount: "
                             f"{t.frame['discount'].iat[bad[0]]!r} must be below 1 (a "
                             "fraction off list, not a percentage)")
        if rel is not None:
            off = np.flatnonzero(np.abs(rel - (1.0 - disc)) > _PRICE_AGREEMENT)
            if len(off):
                raise TableError(f"{t.path}: row {t.row(off[0])}, column discount: disagrees "
                                 "with price / list_price (give one of the two)")
        rel = 1.0 - disc
    return rel


def _dates(t: Table) -> None:
    if "date" not in t.frame.columns:
        return
    for i, cell in enumerate(t.frame["date"]):
        try:
            dt.date.fromisoformat(cell)
        except ValueError:
            raise TableError(f"{t.path}: row {t.row(i)}, column date: {cell!r} is not an ISO "
                             "date (YYYY-MM-DD)") from None


def _sellers(t: Table, sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
    roster = roster_kinds(sc)
    seller = t.text("agent_id")
    kinds = []
    for i, s in enumerate(map(str, seller)):
        kind = roster.get(s, s if s in CHANNEL_NAMES else None)
        if kind is None:
            hint = (" (name the partner's id or its kind: " + ", ".join(KINDS) + ")"
                    if s == "partner" else f" (a roster id such as {next(iter(roster), 'D01')}"
                    f", or one of {', '.join(CHANNEL_NAMES)})")
            raise TableError(f"{t.path}: row {t.row(i)}, column agent_id: {s!r} is not in the "
                             f"scenario's network{hint}")
        kinds.append(kind)
    return seller, np.asarray(kinds, dtype=str)


def _unique_ids(t: Table) -> None:
    ids = t.text("quote_id")
    _, first, counts = np.unique(ids, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = str(ids[first[counts > 1][0]])
        again = np.flatnonzero(ids == dup)[1]
        raise TableError(f"{t.path}: row {t.row(again)}, column quote_id: {dup!r} appears "
                         f"twice (first at row {t.row(np.flatnonzero(ids == dup)[0])})")


def _per_deal(t: Table, order: np.ndarray, start: np.ndarray, columns: dict) -> None:
    """Every row of a deal agrees with its first row on the deal's columns."""
    first = np.repeat(start, np.diff(np.append(start, len(order))))
    for name, values in columns.items():
        v = values[order]
        same = (v == v[first]) | (np.isnan(v) & np.isnan(v[first])) if v.dtype.kind == "f" \
            else v == v[first]
        if not same.all():
            i = order[np.flatnonzero(~same)[0]]
            raise TableError(f"{t.path}: row {t.row(i)}, column {name}: differs from the "
                             f"deal's first row {t.row(order[first[np.flatnonzero(~same)[0]]])}"
                             " (a deal has one segment, product, list price, specification "
                             "and competitor)")


def read_quotes(path: str | Path, sc: Scenario) -> Quotes:
    """Read and check a quotes file against the scenario's products and network.

    Raises:
        QuotesError: one line naming the file, and the row and column where there is one.

    """
    try:
        return _read(path, sc)
    except TableError as exc:
        raise QuotesError(str(exc)) from None


def _read(path: str | Path, sc: Scenario) -> Quotes:
    t = read_table(path, required=REQUIRED, optional=OPTIONAL, what="quotes file")
    _unique_ids(t)
    _dates(t)
    segment = t.text("segment", allowed=SEGMENTS)
    names = [p.name for p in sc.products]
    product = t.text("product", allowed=names)
    list_price = t.number("list_price")
    bad = np.flatnonzero(list_price <= 0)
    if len(bad):
        raise TableError(f"{t.path}: row {t.row(bad[0])}, column list_price: must be > 0")
    price_rel = _prices(t, list_price)
    seller, kind = _sellers(t, sc)
    delivery = t.number("delivery_weeks", minimum=0.0)
    won = _flag(t, "won", (0, 1))
    incumbent = _flag(t, "incumbent", (0, 1))
    specified = _flag(t, "specified", (-1, 0, 1))
    comp_inc = _flag(t, "competitor_incumbent", (0, 1))
    comp_price = (t.number("competitor_price", minimum=0.0, required=False)
                  if "competitor_price" in t.frame.columns else np.full(len(won), np.nan))
    deal_ids = t.text("deal_id")
    uniq, deal = np.unique(deal_ids, return_inverse=True)
    order = np.argsort(deal, kind="stable")
    start = np.searchsorted(deal[order], np.arange(len(uniq)))
    seg_code = np.array([SEGMENTS.index(s) for s in segment])
    prod_code = np.array([names.index(p) for p in product])
    _per_deal(t, order, start, {"segment": seg_code, "product": prod_code,
                                "list_price": list_price, "specified": specified,
                                "competitor_price": comp_price,
                                "competitor_incumbent": comp_inc})
    wins = np.bincount(deal, weights=won, minlength=len(uniq))
    if (wins > 1).any():
        d = int(np.flatnonzero(wins > 1)[0])
        i = np.flatnonzero((deal == d) & (won == 1))[1]
        raise TableError(f"{t.path}: row {t.row(i)}, column won: deal {str(uniq[d])!r} is won by "
                         "two quotes (at most one quote of a deal wins)")
    lines = np.array([t.row(i) for i in range(len(won))])
    first = order[start]
    return Quotes(Path(path), deal[order], seller[order], kind[order], price_rel[order],
                  delivery[order], incumbent[order], won[order] == 1, lines[order], uniq,
                  seg_code[first], prod_code[first],
                  np.nan_to_num(specified[first], nan=0.0),
                  comp_price[first] / list_price[first], comp_inc[first])
