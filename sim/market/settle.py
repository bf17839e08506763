"""Settling decided deals: who sold, where the money lands, conflicts and poaching.

Accounting follows ``docs/model.md`` (accounting): a direct sale is turnover at the
customer's price; a distributor's sale from stock is no turnover now (it returns as
replenishment); a partner buying direct pays its purchase price; a dealer buying two-tier
goes through its distributor; a marketplace sale brings the price less the marketplace's fee.
"""

from __future__ import annotations

import numba
import numpy as np

from sim import kernels
from sim.market.deals import BOOKED_UNWON, DealBook, Offers
from sim.market.ledger import Ledger, conflict_type
from sim.market.policy import CompiledPolicy
from sim.vocab import TURNOVER_CHANNELS, DealStatus, Role, Segment, State


@numba.njit(cache=True, nogil=True)
def _two_best(d, z, best):  # pragma: no cover - compiled
    """``best[0, i]``, ``best[1, i]``: deal ``i``'s best and second-best bid (-1: none).

    Best by score ``z``, ties to the earlier bid: the first two of the deal's bids in a
    stable sort by descending score, as ``lexsort((-z, d))`` orders them.
    """
    for n in range(d.shape[0]):
        i, b1, b2 = d[n], best[0, d[n]], best[1, d[n]]
        if b1 < 0 or z[n] > z[b1]:
            best[1, i], best[0, i] = b1, n
        elif b2 < 0 or z[n] > z[b2]:
            best[1, i] = n


@numba.njit(cache=True, nogil=True)
def _credit(won_rows, jw, deal_cols, role, weekly):  # pragma: no cover - compiled
    """Each won deal credited to its winner: sales, a deal, units, and a reseller's margin.

    ``deal_cols``: (revenue, units, price, cost) per deal; ``weekly``: the winners' (sell
    through, deals won, units won, margin money). The sums ``np.add.at`` would make, deal
    after deal in the same order (so the same bits).
    """
    revenue, units, price, cost = deal_cols
    sell_through, deals_won, units_won, margin_money = weekly
    for n in range(won_rows.shape[0]):
        i, a = won_rows[n], jw[n]
        sell_through[a] += revenue[i]
        deals_won[a] += 1.0
        units_won[a] += units[i]
        if role[a] == _DISTRIBUTOR or role[a] == _PARTNER:
            margin_money[a] += (price[i] - cost[i]) * units[i]


def settle(o: Offers, pol: CompiledPolicy, deals: DealBook, channel, customers,
           distributors, ledger: Ledger, catalogue) -> None:
    """Book the outcome of every deal in ``o`` (decided by the customers) on the ledger.

    Args:
        o: the offers with their winners.
        pol: the policy the deals were decided under.
        deals: the deal book (status and winners are written).
        channel: the channel agents (their weekly sales, purchases and margins).
        customers: the customers (winners become incumbents).
        distributors: the distributors (sales from stock).
        ledger: the books.
        catalogue: product lines' list prices and unit costs.

    """
    book, led, p = channel, ledger, pol.policy
    rows, n_a = o.rows, book.n
    seg, reg = deals.segment[rows], deals.region[rows]
    cust, prod, units = deals.customer[rows], deals.product[rows], deals.units[rows]
    won = o.winner < n_a
    j = np.where(won, o.winner, 0)
    price, cost = np.zeros(len(rows)), np.zeros(len(rows))
    price[won] = o.price[o.won_bid[won]]
    cost[won] = o.cost[o.won_bid[won]]
    revenue = price * units
    cogs = catalogue.unit_cost[prod] * units     # what each deal's goods cost to make
    n_bids = o.bids_per_deal()

    deals.status[rows] = np.where(won, DealStatus.WON, DealStatus.LOST)
    deals.winner[rows] = o.winner
    deals.bids[rows] = n_bids
    deals.channel[rows] = BOOKED_UNWON
    deals.value[rows] = 0.0
    deals.paid[rows] = revenue
    # (count_nonzero counts what a boolean sum counts, at a third of its cost)
    n_won = np.count_nonzero(won)
    led.add("deals_won", n_won)
    led.add("deals_lost", len(won) - n_won)
    led.add("deals_unserved", np.count_nonzero(n_bids == 0))
    led.add("price_dumping", np.count_nonzero(o.dumping))
    if o.support is not None:      # one supported bid per co-sold deal: the holder's
        led.add("deals_co_sold", np.count_nonzero(o.support > 0))
    led.add("sell_through", revenue.sum())
    led.regional("sell_through", revenue, reg, seg)
    led.regional("deals_won", won.astype(float), reg, seg)
    led.regional("deals_decided", np.ones(len(rows)), reg, seg)   # won, lost or unserved
    won_rows = won.nonzero()[0]
    jw = j[won_rows]
    w = book.week
    _credit(won_rows, jw, (revenue, units, price, cost), book.role,
            (w["sell_through"], w["deals_won"], w["units_won"], w["margin_money"]))
    role = book.role[jw]
    # Direct reps: the customer's price is turnover; commission is a sales cost.
    sel = won_rows[role == Role.DIRECT]
    led.turnover("direct", revenue[sel], reg[sel], seg[sel])
    _booked(deals, rows[sel], "direct", revenue[sel])
    led.add("cogs", cogs[sel].sum())
    led.add("direct_cost", p.direct.commission * revenue[sel].sum())
    # Marketplace: price less fee. (A block with no sale is skipped: it would add zeros.)
    sel = won_rows[role == Role.MARKETPLACE]
    if len(sel):
        led.turnover("marketplace", revenue[sel] * (1.0 - p.marketplace.fee), reg[sel],
                     seg[sel])
        _booked(deals, rows[sel], "marketplace", revenue[sel] * (1.0 - p.marketplace.fee))
        led.add("cogs", cogs[sel].sum())
    # Distributors sell from stock (sell-in comes with replenishment) or buy to order.
    sel = won_rows[role == Role.DISTRIBUTOR]
    distributors.serve(j[sel], cost[sel], seg[sel], prod[sel], units[sel], book, led)
    led.served_by_distributors((cost * units)[sel], reg[sel], seg[sel])
    _booked(deals, rows[sel], "distributor", (cost * units)[sel])
    # Partners: two-tier dealers draw on their distributor; the others buy direct.
    sel = won_rows[role == Role.PARTNER]
    tt = pol.two_tier_mask(book, j[sel])
    via = sel[tt]
    if len(via):
        sup = book.supplier[j[via]]
        sup_cost = catalogue.list_price[prod[via]] * (1.0 - pol.purchase_discount(book, sup))
        distributors.serve(sup, sup_cost, seg[via], prod[via], units[via], book, led)
        led.served_by_distributors(sup_cost * units[via], reg[via], seg[via])
        _booked(deals, rows[via], "distributor", sup_cost * units[via])
    own = sel[~tt]
    buy = cost[own] * units[own]
    led.turnover("partner", buy, reg[own], seg[own])
    _booked(deals, rows[own], "partner", buy)
    led.add("cogs", cogs[own].sum())
    kernels.add_at_1d(book.week["purchases"], j[own], buy)

    if n_a:  # with no channel agent at all there is nobody to fight or poach
        _conflicts(o, n_bids, book, led, (won, j, seg, reg))
        inc = customers.incumbent[deals.customer[o.rows]]
        led.add("poaching", _poaching(o, book, inc, deals.registered[o.rows], pol, won, j, seg))
    customers.settle_winners(cust, o.winner)


def _booked(deals: DealBook, rows: np.ndarray, channel: str, value: np.ndarray) -> None:
    """Note on the deals the channel column and the value their turnover is booked at.

    Direct, partner and marketplace deals are booked now; a distributor's sale (its own or a
    two-tier dealer's) at the distributor's purchase price, which reaches turnover as
    sell-in (now for a line bought to order, with replenishment for a stocked one).
    """
    deals.channel[rows] = TURNOVER_CHANNELS.index(channel)
    deals.value[rows] = value


def _conflicts(o: Offers, n_brand: np.ndarray, book, led: Ledger, deal_cols) -> None:
    """A deal pursued by two or more brand agents is a conflict, typed by the two best."""
    won, j, seg, reg = deal_cols
    c = (n_brand >= 2).nonzero()[0]
    led.add("conflicts", len(c))
    if len(c) == 0:
        return
    # the two best bids of each deal (by score; ties to the earlier bid)
    best = np.full((2, len(o.rows)), -1, dtype=np.int64)
    _two_best(o.d, np.asarray(o.z, dtype=np.float64), best)
    first, second = o.a[best[0, c]], o.a[best[1, c]]
    led.conflict(conflict_type(book.role[first], book.role[second]))
    led.regional("conflicts", np.ones(len(c)), reg[c], seg[c])
    in_conflict = n_brand[o.d] >= 2
    lost = in_conflict & won[o.d] & (o.a != j[o.d])
    np.add.at(book.week["conflicts_lost"], o.a[lost], 1.0)


@numba.njit(cache=True, nogil=True)
def _count_poached(won, j, inc, registered, seg, role, state, accounts):  # pragma: no cover
    """The wins on another agent's ground (see ``_poaching``), counted deal by deal."""
    n_a, n = role.shape[0], 0
    for i in range(won.shape[0]):
        if not won[i]:
            continue
        c, winner = inc[i], j[i]
        inc_brand = (0 <= c < n_a and c != winner and role[c] != _MARKETPLACE
                     and (state[c] == _ACTIVE or state[c] == _ON_PAPER))
        reg_other = registered[i] >= 0 and registered[i] != winner
        direct_won = role[winner] == _DIRECT
        acct = accounts and ((seg[i] == _KEY) != direct_won)
        if inc_brand or reg_other or acct:
            n += 1
    return n


_MARKETPLACE, _DIRECT = int(Role.MARKETPLACE), int(Role.DIRECT)
_DISTRIBUTOR, _PARTNER = int(Role.DISTRIBUTOR), int(Role.PARTNER)
_ACTIVE, _ON_PAPER, _KEY = int(State.ACTIVE), int(State.ON_PAPER), int(Segment.KEY)


def _poaching(o: Offers, book, inc, registered, pol, won, j, seg) -> int:
    """Wins on another agent's ground: its customer, its registration, its accounts.

    Its customer: the customer's incumbent is another contracted brand agent (not the
    marketplace); its registration: another agent registered the deal; its accounts
    (reps paid on key accounts): a rep winning off them, or anyone else winning on them.
    """
    i64 = np.int64
    return _count_poached(np.asarray(won, dtype=np.bool_), np.asarray(j, dtype=i64),
                          np.asarray(inc, dtype=i64), np.asarray(registered, dtype=i64),
                          np.asarray(seg, dtype=i64), np.asarray(book.role, dtype=i64),
                          np.asarray(book.state, dtype=i64),
                          pol.policy.direct.accounts == "key_accounts")


# load (or, the first time on a machine, compile) the kernels now, not in a run
_two_best(np.zeros(1, dtype=np.int64), np.zeros(1), np.full((2, 1), -1, dtype=np.int64))
_count_poached(np.ones(1, dtype=np.bool_), *(np.zeros(1, dtype=np.int64),) * 6, True)
_credit(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), (np.zeros(1),) * 4,
        np.zeros(1, dtype=np.int64), (np.zeros(1),) * 4)
