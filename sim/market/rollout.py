"""Rollout of a strategy: which policy applies where and when, and the network changes.

Version 0 is the baseline's policy, version 1 the strategy's. A region switches to
version 1 at its pilot week (pilot regions) or at the full rollout week (all others).
Project deals keep the version they started their tender under; with grandfathering,
customers who already buy from a brand agent keep the old rules for N weeks.
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario import Scenario
from sim.scenario.policy import NetworkChange
from sim.vocab import Kind, Role, Segment, State, Tier

NEVER = 10**9


class Schedule:
    """Switch, announcement and grandfathering weeks per region."""

    def __init__(self, sc: Scenario):
        regions = sc.market.regions
        n = len(regions)
        ro = sc.rollout
        if ro is None:
            self.switch = np.full(n, NEVER, dtype=np.int64)
            self.announce = self.switch.copy()
            self.grandfather_until = self.switch.copy()
            return
        pilot = np.array([r in ro.pilot_regions for r in regions])
        first = ro.pilot_week if ro.pilot_week is not None else ro.full_week
        self.switch = np.where(pilot, first, ro.full_week).astype(np.int64)
        self.announce = self.switch - ro.announce_weeks
        self.grandfather_until = self.switch + ro.grandfather_weeks

    def phase(self, week: int) -> np.ndarray:
        """Policy version per region this week."""
        return (week >= self.switch).astype(np.int64)

    def switching(self, week: int) -> np.ndarray:
        """Regions that switch to the strategy this week."""
        return (self.switch == week).nonzero()[0]

    def announced(self, week: int) -> np.ndarray:
        """Bool per region: the change is announced and not yet in force."""
        return (week >= self.announce) & (week < self.switch)

    def deal_versions(self, week: int, region: np.ndarray, segment: np.ndarray,
                      created_version: np.ndarray, has_brand_incumbent: np.ndarray) -> np.ndarray:
        """Policy version under which each deal decided this week is settled.

        A project deal keeps the version in force when it was created (deals already in
        tender at the change are decided under the rules they started with); a customer of
        a brand agent keeps the old rules during grandfathering.
        """
        phase = self.phase(week)
        if not phase.any():     # today's rules everywhere (every week without a strategy)
            return np.zeros(len(region), dtype=np.int64)
        v = phase[region]
        v = np.where(segment == Segment.PROJECT, np.minimum(v, created_version), v)
        grandfathered = (week < self.grandfather_until[region]) & has_brand_incumbent
        return np.where(grandfathered, 0, v)


def _targets(book, change: NetworkChange, regions: np.ndarray) -> np.ndarray:
    roles = [Role.of(r) for r in change.roles]
    mask = np.isin(book.role, roles) & np.isin(book.region, regions) & book.contracted()
    if change.kinds is not None:
        kinds = [Kind.of(k) for k in change.kinds]
        mask &= (book.role != Role.PARTNER) | np.isin(book.kind, kinds)
    return np.flatnonzero(mask)


def trailing_sales(book, window: int, week: int) -> np.ndarray:
    """Each agent's sell-through over the ``window`` weeks before ``week`` (money).

    The ring ``book.trailing`` holds week ``w`` in row ``w % TRAIL``; at the top of a week
    it holds the ``TRAIL`` weeks just before it.
    """
    rows = (week - np.arange(1, window + 1)) % book.trailing.shape[0]
    return book.trailing[rows].sum(axis=0)


def leavers(book, change: NetworkChange, regions: np.ndarray, week: int) -> np.ndarray:
    """The contracted agents based in ``regions`` that a ``remove`` or ``prune`` sends away.

    ``remove``: those its ``agents`` name. ``prune``: those of its roles (and kinds) whose
    sales are at most ``sold_at_most``: over the ``window_weeks`` before the switch
    (``basis: simulated``) or last year's per the roster (``basis: roster``: sell-through,
    else purchases; agents the roster does not list are never pruned this way).
    """
    if change.action == "remove":
        named = np.isin(np.asarray(book.names, dtype=object), change.agents)
        home = np.isin(book.region, regions) & book.contracted()
        return np.flatnonzero(named & home)
    idx = _targets(book, change, regions)
    if change.basis == "roster":
        sold = book.roster_sold[idx]
        return idx[np.isfinite(sold) & (sold <= change.sold_at_most)]
    sold = trailing_sales(book, change.window_weeks, week)[idx]
    return idx[sold <= change.sold_at_most]


def _contract_additions(book, change: NetworkChange, regions: np.ndarray, week: int) -> None:
    """Agents waiting for the rollout in ``regions`` sign their contracts (active from now)."""
    role = Role.of(change.roles[0])
    mask = ((book.state == State.NOT_CONTRACTED) & (book.role == role)
            & np.isin(book.region, regions))
    if role == Role.PARTNER:
        mask &= book.kind == Kind.of(change.kinds[0])
    idx = np.flatnonzero(mask)
    book.state[idx] = State.ACTIVE
    book.last_active[idx] = week
    book.commitment_ref[idx] = book.commitment[idx]
    book.assign_suppliers()


def apply_network_changes(changes: list[NetworkChange], regions: np.ndarray, channel, views,
                          week: int) -> None:
    """Apply each change, in order, to the agents based in ``regions``.

    * ``prune_on_paper``: of the weakest ``share`` by trailing 52-week sell-through, those
      on paper (contracted, not selling) leave the network;
    * ``upgrade_top``: the best ``share`` by trailing 52-week sell-through move to ``to_tier``;
    * ``retype``: the weakest ``share`` by sell-through become partners of ``to_kind``;
    * ``add``: ``count`` new agents of the role (and kind) per region sign their contracts;
    * ``remove`` and ``prune``: the agents :func:`leavers` names leave the network.

    ``views`` are the Mesa agents of the channel (removing an agent reaches its customers
    and its open deals through its view).
    """
    book = channel
    sales = book.trailing.sum(axis=0)
    for change in changes:
        if change.action == "add":
            _contract_additions(book, change, regions, week)
        elif change.action in ("remove", "prune"):
            for j in leavers(book, change, regions, week):
                views[int(j)].leave()
        else:
            _by_share(book, change, regions, views, sales)


def _by_share(book, change: NetworkChange, regions: np.ndarray, views, sales) -> None:
    """``prune_on_paper``, ``upgrade_top`` and ``retype``: a share of agents by sales."""
    idx = _targets(book, change, regions)
    if len(idx) == 0:
        return
    k = math.ceil(change.share * len(idx)) if change.share > 0 else 0
    order = idx[np.argsort(-sales[idx], kind="stable")]
    if change.action == "prune_on_paper":
        weakest = order[len(order) - k:] if k else order[:0]
        for j in weakest[book.state[weakest] == State.ON_PAPER]:
            views[int(j)].leave()
    if change.action == "upgrade_top":
        book.tier[order[:k]] = np.maximum(book.tier[order[:k]], Tier.of(change.to_tier))
    elif change.action == "retype":
        for j in order[len(order) - k:]:
            if book.role[j] == Role.PARTNER:
                views[int(j)].retype(change.to_kind)
