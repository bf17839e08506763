"""Network changes a strategy makes when a region switches: prune, upgrade, re-type."""

from __future__ import annotations

import math

import numpy as np

from sim.book import KIND_NAMES, PART, ROLE_NAMES
from sim.rules.commitment import ACTIVE, INACTIVE, NOT_CONTRACTED
from sim.scenario.policy import NetworkChange

_TIER = {"silver": 1, "gold": 2}


def _targets(m, change: NetworkChange, regions: np.ndarray) -> np.ndarray:
    book = m.book
    roles = [ROLE_NAMES.index(r) for r in change.roles]
    mask = np.isin(book.role, roles) & np.isin(book.region, regions) & book.contracted()
    if change.kinds is not None:
        kinds = [KIND_NAMES.index(k) for k in change.kinds]
        mask &= (book.role != PART) | np.isin(book.kind, kinds)
    return np.flatnonzero(mask)


def _contract_additions(m, change: NetworkChange, regions: np.ndarray) -> None:
    """Agents waiting for the rollout in ``regions`` sign their contracts."""
    book = m.book
    role = ROLE_NAMES.index(change.roles[0])
    mask = ((book.state == NOT_CONTRACTED) & (book.role == role)
            & np.isin(book.region, regions))
    if role == PART:
        mask &= book.kind == KIND_NAMES.index(change.kinds[0])
    idx = np.flatnonzero(mask)
    threshold = m.spec.behaviour.commitment.active_threshold
    book.state[idx] = np.where(book.commitment[idx] >= threshold, ACTIVE, INACTIVE)
    book.commitment_ref[idx] = book.commitment[idx]
    m.reassign_suppliers()


def apply_network_changes(m, changes: list[NetworkChange], regions: np.ndarray) -> None:
    """Apply each change, in order, to the agents based in ``regions``.

    * ``prune_inactive``: of the weakest ``share`` by trailing 52-week sell-through, those
      "on paper" (inactive) leave the network;
    * ``upgrade_top``: the best ``share`` by trailing 52-week sell-through move to ``to_tier``;
    * ``retype``: the weakest ``share`` by sell-through become partners of ``to_kind``;
    * ``add``: ``count`` new agents of the role (and kind) per region sign their contracts.
    """
    book = m.book
    sales = book.trailing.sum(axis=0)
    for change in changes:
        if change.action == "add":
            _contract_additions(m, change, regions)
            continue
        idx = _targets(m, change, regions)
        if len(idx) == 0:
            continue
        k = math.ceil(change.share * len(idx)) if change.share > 0 else 0
        order = idx[np.argsort(-sales[idx], kind="stable")]
        if change.action == "prune_inactive":
            weakest = order[len(order) - k:] if k else order[:0]
            for j in weakest[book.state[weakest] == INACTIVE]:
                m.channel_agent(int(j)).leave()
        if change.action == "upgrade_top":
            book.tier[order[:k]] = np.maximum(book.tier[order[:k]], _TIER[change.to_tier])
        elif change.action == "retype":
            for j in order[len(order) - k:]:
                if book.role[j] == PART:
                    m.channel_agent(int(j)).retype(change.to_kind)
