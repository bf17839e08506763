"""Write the example client's ERP and CRM exports (``scenarios/data/client_*.csv``).

The example client is invented, not simulated: a maker of technical equipment of the
source's size (25 distributors, 64 partners of every kind, two direct teams, a marketplace
shop, 3,000 accounts in the shipped regions), written the way a Russian ERP exports it
(semicolons, decimal commas, amounts with two decimals), uneven as real networks are (a few
large, many small, some that bought nothing last year). Nothing here runs the model: the
figures are drawn from stated spreads with a fixed seed, so the files are reproducible::

    .venv/bin/python tools/make_client.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "scenarios" / "data"
REGIONS = {"capital": 3.0, "northwest": 1.6, "volga": 1.3, "south": 1.2, "urals": 1.1,
           "siberia": 1.0, "center": 1.0, "north_caucasus": 0.6, "far_east": 0.5,
           "kaliningrad": 0.3}
CITY = {"capital": "Moskva", "northwest": "Neva", "volga": "Volga", "south": "Yug",
        "urals": "Ural", "siberia": "Sibir", "center": "Tsentr", "north_caucasus": "Kavkaz",
        "far_east": "Vostok", "kaliningrad": "Baltika"}
STEMS = ["Elektro", "Tekh", "Promsnab", "Energo", "Avtomatika", "Komplekt", "Servis",
         "Montazh", "Proekt", "Sistemy", "Snab", "Torg", "Inzhiniring", "Stroy", "Kontrol"]
FORMS = ["OOO", "AO", "OOO", "OOO", "IP", "OOO"]
PARTNERS = {"integrator": 15, "dealer": 25, "project": 10, "service": 8, "specifier": 6}
SEGMENTS = {"small": 0.60, "mid": 0.25, "key": 0.05, "project": 0.10}
# a year's category spend of a typical account, by segment (money)
SPEND = {"small": 6_000, "mid": 40_000, "key": 190_000, "project": 170_000}
# of an account's category spend, what its incumbent seller sells it of the brand
INCUMBENT_SHARE = 0.5


def _money(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def _name(rng, region: str, used: set[str]) -> str:
    while True:
        name = f"{CITY[region]}{rng.choice(STEMS)} {rng.choice(FORMS)}"
        if name not in used:
            used.add(name)
            return name


def _homes(rng, n: int, spread: float = 1.0) -> list[str]:
    w = np.array(list(REGIONS.values())) ** spread
    return list(rng.choice(list(REGIONS), size=n, p=w / w.sum()))


def roster(rng) -> list[list[str]]:
    """One row per agent: distributors, partners by kind, two direct teams, the shop."""
    used: set[str] = set()
    rows = []
    # distributors: concentrated in the capital and the big regions; four bought nothing
    homes = ["capital"] * 3 + _homes(rng, 22, spread=0.7)
    buys = rng.lognormal(np.log(450_000), 1.1, size=25)
    buys[rng.choice(25, size=4, replace=False)] = 0.0
    for i, (home, b) in enumerate(zip(homes, buys, strict=True)):
        tier = "gold" if b > 1_500_000 else "silver" if b > 600_000 else ""
        stock = "" if b == 0 else str(int(rng.integers(3, 9)))
        rows.append([f"D{i + 1:02d}", _name(rng, home, used), "distributor", "", home,
                     _money(b), tier, _money(b * rng.uniform(1.1, 1.3)) if b else "0,00",
                     "1", "", "", stock, "", ""])
    dists = [r for r in rows if float(r[5].replace(",", ".")) > 0]
    n = 0
    for kind, count in PARTNERS.items():
        for home in _homes(rng, count):
            n += 1
            b = 0.0 if rng.random() < 0.15 else float(rng.lognormal(np.log(150_000), 1.2))
            sold = 0.0 if kind == "specifier" else b * rng.uniform(1.15, 1.45)
            if kind == "specifier":
                b = 0.0
            supplier = ""
            if kind == "dealer" and rng.random() < 0.7:
                near = [d for d in dists if d[4] == home] or dists
                supplier = near[int(rng.integers(len(near)))][0]
            segments = {"project": "key project", "service": "small mid key",
                        "dealer": "small mid"}.get(kind, "")
            contracted = "0" if rng.random() < 0.04 else "1"
            rows.append([f"P{n:03d}", _name(rng, home, used), "partner", kind, home, _money(b),
                         "", _money(sold), contracted, supplier, segments, "", "", ""])
    rows.append(["DIR-KEY", "Key accounts team", "direct", "", "capital", "0,00", "", "", "1",
                 "", "key mid", "", "5", "8"])
    rows.append(["DIR-PRJ", "Projects team", "direct", "", "volga", "0,00", "", "", "1", "",
                 "project key", "", "3", "6"])
    rows.append(["SHOP", "Brand shop on the marketplace", "marketplace", "", "capital", "0,00",
                 "", "", "1", "", "", "", "", ""])
    return rows


def accounts(rng, agents: list[list[str]], n: int = 3000) -> list[list[str]]:
    """One row per customer: region, segment, a year's spend, whom it buys from now.

    As in a real CRM, who buys from whom fits what each seller sold: in each region the brand's
    accounts, biggest first, go to the seller with the most of its last year's sales not yet
    accounted for, while a seller has sales left to account for (sellers that sold nothing
    have no accounts). An account's spend is its whole category's, of which the brand's
    incumbent wins a part (``INCUMBENT_SHARE``), so a seller is the incumbent of accounts
    spending about its sales over that share; the brand's accounts left over once every
    seller's sales are accounted for name no supplier (the CRM does not know one).
    """
    sellers = [a for a in agents if a[2] in ("distributor", "partner") and a[3] != "specifier"
               and a[8] == "1"]
    sold = {a[0]: float(a[7].replace(",", ".") or 0) for a in sellers}
    homes = _homes(rng, n)
    segs = [str(rng.choice(list(SEGMENTS), p=list(SEGMENTS.values()))) for _ in range(n)]
    spend = [SPEND[seg] * rng.lognormal(-0.32, 0.8) for seg in segs]
    inc = ["competitor" if u < 0.40 else "" if u < 0.50 else None for u in rng.random(n)]
    for region in REGIONS:
        here = [a[0] for a in sellers if a[4] == region and sold[a[0]] > 0] or \
            [a[0] for a in sellers if sold[a[0]] > 0]
        left = {a: sold[a] for a in here}
        brand = sorted((i for i in range(n) if homes[i] == region and inc[i] is None),
                       key=lambda i: -spend[i])
        for i in brand:
            pick = max(left, key=lambda a: left[a] * rng.uniform(0.8, 1.2))
            if left[pick] <= 0:
                inc[i] = ""
                continue
            inc[i] = pick
            left[pick] -= spend[i] * INCUMBENT_SHARE
    return [[f"K{i + 1:05d}", f"Customer {i + 1:05d}", homes[i], segs[i], _money(spend[i]),
             inc[i]] for i in range(n)]


def prices() -> list[list[str]]:
    """The price list: line, list price, unit cost, complexity, stocked."""
    return [["standard", "400,00", "220,00", "0,2", "1"],
            ["system", "1500,00", "850,00", "0,7", "1"],
            ["engineered", "6000,00", "3600,00", "0,9", "0"]]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    lines = [";".join(header)] + [";".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Write the roster, accounts and price list of the example client."""
    rng = np.random.default_rng(20261201)
    agents = roster(rng)
    _write(OUT / "client_roster.csv",
           ["id", "name", "role", "kind", "region", "annual_purchases", "tier",
            "annual_sell_through", "contracted", "supplier", "segments", "stock_weeks",
            "reps", "deals_per_rep_week"], agents)
    _write(OUT / "client_accounts.csv",
           ["id", "name", "region", "segment", "annual_spend", "incumbent"],
           accounts(rng, agents))
    _write(OUT / "client_prices.csv",
           ["product", "list_price", "unit_cost", "complexity", "stocked"], prices())
    print(f"wrote {OUT}/client_roster.csv, client_accounts.csv, client_prices.csv")


if __name__ == "__main__":
    main()
