"""The client's own network: a roster of its channel agents and, optionally, its accounts.

A roster has one row per distributor, partner, direct team and marketplace listing, as a
CRM or ERP exports it (CSV in any common dialect, or .xlsx, read by :mod:`sim.tabular`).
An accounts file has one row per customer. Both are read strictly: a bad file is refused
with one line naming the file, the row and the column (:class:`sim.tabular.TableError`),
before anything runs. The arrays they give are turned into the model's network in
:mod:`sim.world`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.tabular import Table, TableError, read_table
from sim.vocab import KINDS, ROLES, SEGMENTS, Kind, Role, Tier

ROSTER_REQUIRED = ("id", "name", "role", "kind", "region", "annual_purchases")
ROSTER_OPTIONAL = ("tier", "annual_sell_through", "contracted", "supplier", "segments",
                   "since", "capacity", "reps", "deals_per_rep_week", "stock_weeks")
ACCOUNTS_REQUIRED = ("id", "name", "region", "segment", "annual_spend", "incumbent")
COMPETITOR = "competitor"
CLIENT_FILES = ("roster", "accounts", "solved")
MARKETPLACE_ID = "MKT"
_YES, _NO = ("1", "yes", "true", "y"), ("0", "no", "false", "n")


@dataclass(frozen=True)
class Roster:
    """The client's channel agents, one entry per roster row (arrays in file order).

    Attributes:
        ids, names: the agent's id (unique) and its name as the client writes it.
        role, kind: :class:`~sim.vocab.Role` and :class:`~sim.vocab.Kind` codes (kind -1
            for agents that are not partners).
        region: index into the scenario's ``market.regions``.
        tier: :class:`~sim.vocab.Tier` code (0 where not given).
        purchases, sell_through: last year's purchases from the manufacturer and sales to
            customers (money per year; sell-through NaN where not given).
        contracted: under contract today (rows not contracted stay out of the market).
        supplier: the roster row of a two-tier dealer's distributor, -1 where none is named.
        serves: ``[n, S]`` the segments each agent serves (all where not given).
        capacity: a size measure independent of last year's sales (NaN where not given).
        reps, rep_deals: a direct team's reps and the opportunities each works a week
            (NaN where not given).
        stock_weeks: a distributor's stock at the start in weeks of its sales (NaN: the
            model's own level).

    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    role: np.ndarray
    kind: np.ndarray
    region: np.ndarray
    tier: np.ndarray
    purchases: np.ndarray
    sell_through: np.ndarray
    contracted: np.ndarray
    supplier: np.ndarray
    serves: np.ndarray
    capacity: np.ndarray
    reps: np.ndarray
    rep_deals: np.ndarray
    stock_weeks: np.ndarray

    @property
    def n(self) -> int:
        """Number of rows (agents)."""
        return len(self.ids)


@dataclass(frozen=True)
class Accounts:
    """The client's customers: region and segment codes, annual spend, and incumbent.

    ``incumbent`` holds a roster row, ``-2`` for the competitor and ``-1`` for none.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    region: np.ndarray
    segment: np.ndarray
    spend: np.ndarray
    incumbent: np.ndarray
    lines: tuple[int, ...] = ()   # the file line of each account (for messages)

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.ids)


INCUMBENT_COMPETITOR = -2


def _sheet(path: str, name: str) -> str | None:
    """The sheet of a workbook to read: its only one, or the one called ``name``.

    Raises:
        TableError: for a workbook of several sheets none of which is called ``name``.

    """
    if not path.lower().endswith(".xlsx"):
        return None
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        names = book.sheetnames
        book.close()
    except Exception:   # read_table says what is wrong with the file
        return None
    if len(names) <= 1:
        return None
    if name in names:
        return name
    raise TableError(f"{path}: has several sheets ({', '.join(names)}) and none is called "
                     f"{name!r}; keep one sheet or name the {name} sheet {name!r}")


def _unique_ids(t: Table) -> tuple[str, ...]:
    ids = _texts(t, "id")
    seen: dict[str, int] = {}
    for i, v in enumerate(ids):
        if v in seen:
            raise TableError(f"{t.path}: row {t.row(i)}, column id: duplicate id {v!r} "
                             f"(first on row {t.row(seen[v])})")
        seen[v] = i
    return tuple(str(v) for v in ids)


def _texts(t: Table, column: str, **kw) -> list[str]:
    """A column as plain ``str`` values (messages show ``'D01'``, not numpy's repr)."""
    return [str(v) for v in t.text(column, **kw)]


def _codes(t: Table, column: str, words: tuple[str, ...]) -> np.ndarray:
    return np.array([words.index(w) for w in t.text(column, allowed=words)], dtype=np.int64)


def _optional(t: Table, column: str, **kw) -> np.ndarray:
    if column not in t.frame.columns:
        return np.full(len(t.frame), np.nan)
    return t.number(column, required=False, **kw)


def _flags(t: Table, column: str) -> np.ndarray:
    if column not in t.frame.columns:
        return np.ones(len(t.frame), dtype=bool)
    cells = t.text(column, allowed=(*_YES, *_NO), required=False)
    return np.array([c not in _NO for c in cells], dtype=bool)


def _kinds(t: Table, role: np.ndarray) -> np.ndarray:
    cells = _texts(t, "kind", required=False)
    kind = np.full(len(cells), -1, dtype=np.int64)
    for i, (r, k) in enumerate(zip(role, cells, strict=True)):
        if r == Role.PARTNER:
            if k not in KINDS:
                raise TableError(f"{t.path}: row {t.row(i)}, column kind: a partner needs one "
                                 f"of {', '.join(KINDS)} (got {k!r})")
            kind[i] = Kind.of(k)
        elif k not in ("", "-", ROLES[r]):
            raise TableError(f"{t.path}: row {t.row(i)}, column kind: {k!r} is a partner kind; "
                             f"a {ROLES[r]} has none (leave it empty)")
    return kind


def _suppliers(t: Table, ids: tuple[str, ...], role: np.ndarray, kind: np.ndarray) -> np.ndarray:
    out = np.full(len(ids), -1, dtype=np.int64)
    if "supplier" not in t.frame.columns:
        return out
    row_of = {v: i for i, v in enumerate(ids)}
    for i, s in enumerate(_texts(t, "supplier", required=False)):
        if s == "":
            continue
        j = row_of.get(str(s))
        if j is None or role[j] != Role.DISTRIBUTOR:
            what = "no agent of the roster" if j is None else f"a {ROLES[role[j]]}"
            raise TableError(f"{t.path}: row {t.row(i)}, column supplier: {s!r} is {what}; a "
                             "two-tier dealer's supplier must be a distributor of the roster")
        if role[i] != Role.PARTNER or kind[i] != Kind.DEALER:
            raise TableError(f"{t.path}: row {t.row(i)}, column supplier: only a dealer buys "
                             "through a distributor (leave it empty)")
        out[i] = j
    return out


def _segments(t: Table) -> np.ndarray:
    serves = np.ones((len(t.frame), len(SEGMENTS)), dtype=bool)
    if "segments" not in t.frame.columns:
        return serves
    for i, cell in enumerate(_texts(t, "segments", required=False)):
        if cell == "":
            continue
        words = [w.strip() for w in cell.replace(";", " ").replace(",", " ").split()]
        bad = [w for w in words if w not in SEGMENTS]
        if bad:
            raise TableError(f"{t.path}: row {t.row(i)}, column segments: {bad[0]!r} is not "
                             f"one of {', '.join(SEGMENTS)}")
        serves[i] = [s in words for s in SEGMENTS]
    return serves


def _tiers(t: Table) -> np.ndarray:
    words = Tier.labels()
    if "tier" not in t.frame.columns:
        return np.zeros(len(t.frame), dtype=np.int64)
    cells = t.text("tier", allowed=words, required=False)
    return np.array([words.index(c) if c else Tier.BASE for c in cells], dtype=np.int64)


def _one_listing(t: Table, role: np.ndarray) -> None:
    rows = np.flatnonzero(role == Role.MARKETPLACE)
    if len(rows) > 1:
        raise TableError(f"{t.path}: row {t.row(int(rows[1]))}, column role: a second "
                         "marketplace listing (the model has one)")


@functools.lru_cache(maxsize=8)
def _read_roster(path: str, stamp: float, regions: tuple[str, ...]) -> Roster:
    t = read_table(path, required=ROSTER_REQUIRED, optional=ROSTER_OPTIONAL, what="roster",
                   sheet=_sheet(path, "roster"))
    ids = _unique_ids(t)
    names = tuple(str(v) for v in t.text("name"))
    role = _codes(t, "role", ROLES)
    _one_listing(t, role)
    kind = _kinds(t, role)
    tier = _tiers(t)
    return Roster(
        ids=ids, names=names, role=role, kind=kind, region=_codes(t, "region", regions),
        tier=tier, purchases=t.number("annual_purchases", minimum=0.0),
        sell_through=_optional(t, "annual_sell_through", minimum=0.0),
        contracted=_flags(t, "contracted"), supplier=_suppliers(t, ids, role, kind),
        serves=_segments(t), capacity=_optional(t, "capacity", minimum=0.0),
        reps=_optional(t, "reps", minimum=1.0, integer=True),
        rep_deals=_optional(t, "deals_per_rep_week", minimum=0.0),
        stock_weeks=_optional(t, "stock_weeks", minimum=0.0))


@functools.lru_cache(maxsize=8)
def _read_accounts(path: str, stamp: float, regions: tuple[str, ...],
                   agents: tuple[str, ...]) -> Accounts:
    t = read_table(path, required=ACCOUNTS_REQUIRED, what="accounts",
                   sheet=_sheet(path, "accounts"))
    ids = _unique_ids(t)
    row_of = {v: i for i, v in enumerate(agents)}
    cells = _texts(t, "incumbent", required=False)
    inc = np.full(len(ids), -1, dtype=np.int64)
    for i, c in enumerate(cells):
        if c == "":
            continue
        if c.lower() == COMPETITOR:
            inc[i] = INCUMBENT_COMPETITOR
        elif c in row_of:
            inc[i] = row_of[c]
        else:
            raise TableError(f"{t.path}: row {t.row(i)}, column incumbent: {c!r} is neither an "
                             f"agent of the roster nor {COMPETITOR!r} (or empty for none)")
    return Accounts(ids=ids, names=tuple(str(v) for v in t.text("name")),
                    region=_codes(t, "region", regions), segment=_codes(t, "segment", SEGMENTS),
                    spend=t.number("annual_spend", minimum=0.0), incumbent=inc,
                    lines=tuple(t.row(i) for i in range(len(ids))))


def _stamp(path: str) -> float:
    p = Path(path)
    if not p.is_file():
        raise TableError(f"{path}: file not found")
    return p.stat().st_mtime


def read_roster(path: str, regions: list[str]) -> Roster:
    """The roster at ``path`` (cached per file version), checked against the regions.

    Raises:
        TableError: one line naming the file, row and column of the first problem.

    """
    return _read_roster(path, _stamp(path), tuple(regions))


def read_accounts(path: str, regions: list[str], agents: tuple[str, ...]) -> Accounts:
    """The accounts at ``path``, incumbents resolved against the roster's ``agents`` ids.

    Raises:
        TableError: one line naming the file, row and column of the first problem.

    """
    return _read_accounts(path, _stamp(path), tuple(regions), tuple(agents))


def synthetic_ids(network) -> tuple[list[str], list[int], list[int]]:
    """Ids, roles and kinds of a network drawn from counts, in the model's row order.

    ``D01..`` distributors, ``P-<kind>-01..`` partners by kind, ``R01..`` reps, ``MKT``.
    """
    ids, roles, kinds = [], [], []
    for i in range(network.distributors):
        ids.append(f"D{i + 1:02d}"), roles.append(Role.DISTRIBUTOR), kinds.append(-1)
    for k, kname in enumerate(KINDS):
        for i in range(network.partners.get(kname, 0)):
            ids.append(f"P-{kname[:4]}-{i + 1:02d}"), roles.append(Role.PARTNER), kinds.append(k)
    for i in range(network.direct_reps):
        ids.append(f"R{i + 1:02d}"), roles.append(Role.DIRECT), kinds.append(-1)
    if network.marketplace:
        ids.append(MARKETPLACE_ID), roles.append(Role.MARKETPLACE), kinds.append(-1)
    return ids, roles, kinds


@functools.lru_cache(maxsize=8)
def _read_solved(path: str, stamp: float, agents: tuple[str, ...]) -> dict[str, tuple]:
    t = read_table(path, required=("id", "size", "commitment"), optional=("alternative_margin",),
                   what="solved starting points")
    ids = _texts(t, "id")
    size = t.number("size", minimum=0.0)
    commit = t.number("commitment", minimum=0.0)
    known = set(agents)
    for i, a in enumerate(ids):
        if a not in known:
            raise TableError(f"{path}: row {t.row(i)}, column id: {a!r} is not an agent of the "
                             "roster (solve again with channelsim fit-roster)")
        if commit[i] > 1:
            raise TableError(f"{path}: row {t.row(i)}, column commitment: must be <= 1")
    alt = (t.number("alternative_margin", minimum=0.0, required=False)
           if "alternative_margin" in t.frame.columns else np.full(len(ids), np.nan))
    return {a: (float(s), float(c), float(m))
            for a, s, c, m in zip(ids, size, commit, alt, strict=True)}


def read_solved(path: str, agents: tuple[str, ...]) -> dict[str, tuple[float, float, float]]:
    """Solved ``{id: (size, commitment, alternative margin)}`` at ``path``.

    The margin is NaN where not solved; ids are checked against the roster's.
    """
    return _read_solved(path, _stamp(path), tuple(agents))


def client_network(sc) -> tuple[Roster | None, Accounts | None]:
    """The scenario's roster and accounts, read (once per file version), or None."""
    net = sc.network
    if net.roster is None:
        return None, None
    roster = read_roster(net.roster, sc.market.regions)
    accounts = (read_accounts(net.accounts, sc.market.regions, roster.ids)
                if net.accounts is not None else None)
    return roster, accounts


class NetworkError(ValueError):
    """A network change that names what the network does not have; ``field`` says where."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _check_incumbents(path: str, roster: Roster, accounts: Accounts) -> None:
    """An account's incumbent must be an agent under contract that sells."""
    for i, j in enumerate(accounts.incumbent):
        if j < 0:
            continue
        why = ("is not under contract (contracted: 0)" if not roster.contracted[j]
               else "is a marketplace listing, which has no accounts"
               if roster.role[j] == Role.MARKETPLACE
               else "is a specifier, which sells nothing" if roster.kind[j] == Kind.SPECIFIER
               else "")
        if why:
            raise TableError(f"{path}: row {accounts.lines[i]}, column incumbent: "
                             f"{roster.ids[j]!r} {why}")


def check_network(sc) -> None:
    """Read the client files and check the network changes against the agents they name.

    Raises:
        TableError: a roster or accounts file that cannot be used.
        NetworkError: a change naming an unknown agent, or judging by a roster there is not.

    """
    roster, accounts = client_network(sc)
    if accounts is not None:
        _check_incumbents(sc.network.accounts, roster, accounts)
    if sc.network.solved is not None:
        read_solved(sc.network.solved, roster.ids)
    if roster is not None:
        ids, roles = list(roster.ids), list(roster.role)
    else:
        ids, roles, _ = synthetic_ids(sc.network)
    role_of = dict(zip(ids, roles, strict=True))
    changes = sc.rollout.network_changes if sc.rollout is not None else []
    for i, change in enumerate(changes):
        where = f"rollout.network_changes.{i}"
        if change.action == "prune" and change.basis == "roster" and roster is None:
            raise NetworkError(f"{where}.basis", "basis roster needs network.roster (a "
                                 "synthetic network has no last year's sales); use simulated")
        for a in (change.agents or []) if change.action == "remove" else []:
            if a not in role_of:
                known = ", ".join(ids[:6]) + (", ..." if len(ids) > 6 else "")
                raise NetworkError(f"{where}.agents", f"no agent {a!r} in the network "
                                     f"(ids: {known})")
            if role_of[a] not in (Role.DISTRIBUTOR, Role.PARTNER):
                raise NetworkError(f"{where}.agents", f"{a!r} is a {ROLES[role_of[a]]}; only "
                                     "distributors and partners can be removed")
