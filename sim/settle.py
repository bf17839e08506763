"""Settling decided deals: who sold, where the money lands, conflicts and poaching.

Accounting follows DOMAIN.md: a direct sale is turnover at the customer's price; a
distributor's sale from stock is no turnover now (it returns as replenishment); a
partner buying direct pays its purchase price; a dealer buying two-tier goes through its
distributor; a marketplace sale brings the price less the marketplace's fee.
"""

from __future__ import annotations

import numpy as np

from sim.book import DIRECT, DIST, MARKET, PART
from sim.demand import LOST, WON
from sim.ledger import conflict_type
from sim.market import Offers
from sim.policy import KEY, CompiledPolicy
from sim.rules.commitment import ACTIVE, INACTIVE


def settle(m, o: Offers, pol: CompiledPolicy) -> None:
    """Book the outcome of every deal in ``o`` on the model's ledger and books."""
    book, deals, led, p = m.book, m.deals, m.ledger, pol.p
    rows, n_a = o.rows, book.n
    seg, reg = deals.segment[rows], deals.region[rows]
    cust, prod, units = deals.customer[rows], deals.product[rows], deals.units[rows]
    won = o.winner < n_a
    j = np.where(won, o.winner, 0)
    price, cost = np.zeros(len(rows)), np.zeros(len(rows))
    price[won] = o.price[o.won_bid[won]]
    cost[won] = o.cost[o.won_bid[won]]
    revenue = price * units
    unit_cost = m.market.unit_cost[prod]

    deals.status[rows] = np.where(won, WON, LOST)
    deals.winner[rows] = o.winner
    led.add("deals_won", won.sum())
    led.add("deals_lost", (~won).sum())
    led.add("deals_unserved", (o.bids_per_deal() == 0).sum())
    led.add("price_dumping", o.dumping.sum())
    led.add("sell_through", revenue.sum())
    led.regional("sell_through", revenue, reg, seg)
    led.regional("deals_won", won.astype(float), reg, seg)
    w = np.flatnonzero(won)
    jw = j[w]
    np.add.at(book.week["sell_through"], jw, revenue[w])
    np.add.at(book.week["deals_won"], jw, 1.0)
    np.add.at(book.week["units_won"], jw, units[w])
    resellers = (book.role[jw] == DIST) | (book.role[jw] == PART)
    np.add.at(book.week["margin_money"], jw[resellers],
              ((price - cost) * units)[w][resellers])

    role = book.role[jw]
    # Direct reps: the customer's price is turnover; commission is a sales cost.
    sel = w[role == DIRECT]
    led.turnover("direct", revenue[sel], reg[sel], seg[sel])
    led.add("cogs", (unit_cost * units)[sel].sum())
    led.add("direct_cost", p.direct.commission * revenue[sel].sum())
    # Marketplace: price less fee.
    sel = w[role == MARKET]
    led.turnover("marketplace", revenue[sel] * (1.0 - p.marketplace.fee), reg[sel], seg[sel])
    led.add("cogs", (unit_cost * units)[sel].sum())
    # Distributors sell from stock (sell-in comes with replenishment) or buy to order.
    sel = w[role == DIST]
    _from_distributor(m, sel, j[sel], cost[sel], seg, prod, units)
    # Partners: two-tier dealers draw on their distributor; the others buy direct.
    sel = w[role == PART]
    tt = pol.two_tier_mask(book, j[sel])
    via = sel[tt]
    sup = book.supplier[j[via]]
    sup_cost = m.market.list_price[prod[via]] * (1.0 - pol.purchase_discount(book, sup))
    _from_distributor(m, via, sup, sup_cost, seg, prod, units)
    own = sel[~tt]
    buy = cost[own] * units[own]
    led.turnover("partner", buy, reg[own], seg[own])
    led.add("cogs", (unit_cost * units)[own].sum())
    np.add.at(book.week["purchases"], j[own], buy)

    if n_a:  # with no channel agent at all there is nobody to fight or poach
        _conflicts(m, o, won, j, seg, reg)
        _poaching(m, o, pol, won, j, seg)
    m.customers.incumbent[cust] = o.winner


def _from_distributor(m, sel, dist, unit_price, seg, prod, units) -> None:
    """A distributor supplies a sale: stocked lines from stock, others bought to order."""
    if len(sel) == 0:
        return
    stock, led, book = m.stock, m.ledger, m.book
    rows = stock.rows(dist)
    asked, shipped = stock.take(rows, prod[sel], units[sel])
    led.add("units_ordered_from_stock", asked)
    led.add("units_from_stock", shipped)
    mto = ~m.market.stocked[prod[sel]]
    if mto.any():
        buy = (unit_price * units[sel])[mto]
        led.turnover("distributor", buy, book.region[dist[mto]], seg[sel][mto])
        led.add("cogs", (m.market.unit_cost[prod[sel]] * units[sel])[mto].sum())
        np.add.at(book.week["purchases"], dist[mto], buy)


def _conflicts(m, o: Offers, won, j, seg, reg) -> None:
    """A deal pursued by two or more brand agents is a conflict, typed by the two best."""
    book, led = m.book, m.ledger
    n_brand = o.bids_per_deal()
    c = np.flatnonzero(n_brand >= 2)
    led.add("conflicts", len(c))
    if len(c) == 0:
        return
    # the two best bids of each deal: bids sorted by deal, then by score, best first
    order = np.lexsort((-o.z, o.d))
    start = np.searchsorted(o.d[order], c)
    first, second = o.a[order[start]], o.a[order[start + 1]]
    led.conflict(conflict_type(book.role[first], book.role[second]))
    led.regional("conflicts", np.ones(len(c)), reg[c], seg[c])
    in_conflict = n_brand[o.d] >= 2
    lost = in_conflict & won[o.d] & (o.a != j[o.d])
    np.add.at(book.week["conflicts_lost"], o.a[lost], 1.0)


def _poaching(m, o: Offers, pol, won, j, seg) -> None:
    """A win on another agent's ground: its customer, its registration, its accounts."""
    book, deals = m.book, m.deals
    n_a = book.n
    inc = m.customers.incumbent[deals.customer[o.rows]]
    inc_ok = (inc >= 0) & (inc < n_a)
    inc_c = np.where(inc_ok, inc, 0)
    inc_brand = (inc_ok & (inc != j) & (book.role[inc_c] != MARKET)
                 & ((book.state[inc_c] == ACTIVE) | (book.state[inc_c] == INACTIVE)))
    registered = deals.registered[o.rows]
    reg_other = (registered >= 0) & (registered != j)
    accounts = pol.p.direct.accounts == "key_accounts"
    direct_won = book.role[j] == DIRECT
    acct = accounts & (((seg == KEY) & ~direct_won) | ((seg != KEY) & direct_won))
    m.ledger.add("poaching", (won & (inc_brand | reg_other | acct)).sum())

