"""A baseline scenario written from the client's own files (``channelsim init``).

The files pin down the market's facts; everything else comes from a template scenario (the
shipped case by default: its behaviour, choice, policy and declared uncertainties, each an
assumption listed in ``docs/model.md``). What the files say:

* **regions**: those the roster and the accounts use, biggest spend first; their weights
  are the accounts' share of spend; the template's links between them are kept;
* **customers**: the accounts themselves (``network.accounts``);
* **segment shares**: the accounts' counts by segment;
* **deal rates**: a segment's mean annual spend over 52 weeks and the value of a typical
  deal (the template's units per deal, the price list's list prices weighted by the
  template's product mix, less the segment's street discount):
  ``rate_s = mean_spend_s / (52 * units_s * list_s * (1 - street_s))`` deals a week;
* **products**: the price list's lines (list price, unit cost, complexity, stocked), with the
  template's mix for a line of the same name, else an even mix (said so);
* **network**: the roster (and accounts); each agent's starting point is then solved so
  that the first simulated year reproduces the roster (:mod:`analysis.studies.roster_fit`).

A sales history is not read here: ``channelsim calibrate`` fits the settings the files leave
open (growth, street discounts, ...) to it afterwards.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from sim.scenario import Scenario, load_scenario
from sim.scenario.roster import read_accounts, read_roster
from sim.tabular import read_table
from sim.vocab import SEGMENTS, WEEKS_PER_YEAR

PRICE_COLUMNS = ("product", "list_price", "unit_cost")
PRICE_OPTIONAL = ("complexity", "stocked")


@dataclass
class ClientFiles:
    """The client's files, as paths (accounts and prices optional)."""

    roster: Path
    accounts: Path | None = None
    prices: Path | None = None
    history: Path | None = None


@dataclass
class Init:
    """What ``init`` wrote and what it assumed."""

    path: Path
    scenario: Scenario
    assumed: list[str] = field(default_factory=list)


def _regions(files: ClientFiles, template: Scenario) -> tuple[list[str], dict[str, float]]:
    known = list(template.market.regions)
    words = {str(w) for w in read_table(files.roster, required=("region",), what="roster")
             .text("region")}
    spend: dict[str, float] = {}
    if files.accounts is not None:
        t = read_table(files.accounts, required=("region", "annual_spend"), what="accounts")
        for r, s in zip(t.text("region"), t.number("annual_spend", minimum=0.0), strict=True):
            spend[str(r)] = spend.get(str(r), 0.0) + float(s)
        words |= set(spend)
    order = sorted(words, key=lambda r: (-spend.get(r, 0.0), known.index(r) if r in known
                                         else len(known), r))
    total = sum(spend.values())
    weights = {r: round(spend.get(r, 0.0) / total * len(order), 3) for r in order} if total \
        else {}
    return order, weights


def _products(files: ClientFiles, template: Scenario, assumed: list[str]) -> list[dict]:
    if files.prices is None:
        assumed.append("products: the template's product lines and prices (no --prices)")
        return [p.model_dump(mode="json") for p in template.products]
    t = read_table(files.prices, required=PRICE_COLUMNS, optional=PRICE_OPTIONAL,
                   what="price list")
    mixes = {p.name: p.mix for p in template.products}
    names = [str(n) for n in t.text("product")]
    has = set(t.frame.columns)
    complexity = t.number("complexity", minimum=0.0) if "complexity" in has else None
    stocked = t.text("stocked", allowed=("1", "0", "yes", "no", "true", "false"),
                     required=False) if "stocked" in has else None
    out = []
    for i, name in enumerate(names):
        mix = mixes.get(name)
        if mix is None:
            assumed.append(f"products.{name}: sold evenly in every segment (no mix for it in "
                           "the template)")
        out.append({"name": name, "list_price": float(t.number("list_price", minimum=0.0)[i]),
                    "unit_cost": float(t.number("unit_cost", minimum=0.0)[i]),
                    "complexity": float(min(complexity[i], 1.0)) if complexity is not None
                    else 0.3,
                    "stocked": (str(stocked[i]) not in ("0", "no", "false"))
                    if stocked is not None else True,
                    "mix": dict(mix) if mix is not None else dict.fromkeys(SEGMENTS, 1.0)})
    return out


def deal_rates(accounts, products: list[dict], template: Scenario) -> dict[str, float]:
    """Weekly deals per customer by segment from annual spend (formula in the module doc)."""
    m = template.market
    out = {}
    for s, seg in enumerate(SEGMENTS):
        rows = accounts.segment == s
        w = np.array([p["mix"].get(seg, 0.0) for p in products])
        price = np.array([p["list_price"] for p in products])
        list_s = float((w * price).sum() / w.sum()) if w.sum() > 0 else float(price.mean())
        deal = m.deal_size[seg].units_mean * list_s * (1.0 - m.street_discount[seg])
        mean = float(accounts.spend[rows].mean()) if rows.any() else 0.0
        out[seg] = round(mean / (WEEKS_PER_YEAR * deal), 5) if deal > 0 else 0.0
    return out


def _rel(path: Path, home: Path) -> str:
    return os.path.relpath(Path(path).resolve(), home.resolve())


def build_baseline(files: ClientFiles, out: Path, template_path: Path,
                   name: str | None = None) -> Init:
    """Write the baseline scenario ``out`` from the client's files; return it, loaded.

    Raises:
        TableError / ScenarioError: for a client file or a result that cannot be used (one
            line each, before anything is written).

    """
    template = load_scenario(template_path)
    assumed: list[str] = [f"behaviour, choice, policy and uncertainties: the template "
                          f"{Path(template_path).name} (assumptions declared in docs/model.md)"]
    regions, weights = _regions(files, template)
    roster = read_roster(str(files.roster), regions)
    products = _products(files, template, assumed)
    home = Path(out).resolve().parent
    market: dict = {"regions": regions}
    if weights:
        market["region_weights"] = weights
    links = [list(link) for link in template.market.region_links or []
             if link[0] in regions and link[1] in regions]
    market["region_links"] = links if links else None
    if not links:
        assumed.append("market.region_links: none known between these regions; they form a "
                       "ring in the order listed (write the real neighbours)")
    network: dict = {"roster": _rel(files.roster, home)}
    if files.accounts is not None:
        acc = read_accounts(str(files.accounts), regions, roster.ids)
        counts = np.bincount(acc.segment, minlength=len(SEGMENTS))
        market["customers"] = int(acc.n)
        shares = [round(float(c) / acc.n, 6) for c in counts]
        shares[-1] = round(1.0 - sum(shares[:-1]), 6)      # they must sum to 1 exactly
        market["segment_shares"] = dict(zip(SEGMENTS, shares, strict=True))
        market["deal_rate"] = deal_rates(acc, products, template)
        network["accounts"] = _rel(files.accounts, home)
    else:
        assumed.append("customers, segment shares, deal rates and incumbents: the template's "
                       "(no --accounts), drawn once from network.seed")
    if files.history is not None:
        assumed.append(f"the history {Path(files.history).name} is not read by init: run "
                       "channelsim calibrate with it next")
    doc = {"extends": _rel(template_path, home), "name": name or Path(out).stem,
           "description": f"The client's baseline, written by channelsim init from "
                          f"{Path(files.roster).name}.", "market": market,
           "products": products, "network": network}
    scenario = _write_checked(Path(out), doc)
    return Init(Path(out), scenario, assumed)


def _write_checked(out: Path, doc: dict) -> Scenario:
    """Write ``doc`` to ``out`` only once it loads as a scenario; return it loaded."""
    # written beside its final place (relative paths hold), renamed only once it loads
    trial = out.with_name(f".{out.name}.new")
    trial.write_text("# Written by channelsim init from the client's files; edit freely.\n"
                     + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True),
                     encoding="utf-8")
    try:
        scenario = load_scenario(trial)
    except BaseException:
        trial.unlink(missing_ok=True)
        raise
    trial.replace(out)
    return scenario


def strategy_for_client(baseline: Path, strategy: Path) -> Path:
    """Write ``<baseline stem>_<strategy stem>.yaml``: the strategy on the client's world.

    It ``extends`` the strategy and sets the baseline's market, products and network, so
    its policy before the rollout is the strategy's baseline's (the template's) policy,
    as the client's baseline has.
    """
    base = yaml.safe_load(Path(baseline).read_text(encoding="utf-8"))
    out = Path(baseline).with_name(f"{Path(baseline).stem}_{Path(strategy).stem}.yaml")
    home = out.resolve().parent
    network = {k: _rel(Path(baseline).resolve().parent / v, home)
               for k, v in base.get("network", {}).items()}
    doc = {"extends": _rel(strategy, home), "name": out.stem,
           "description": f"{Path(strategy).stem} on the client's network "
                          f"({Path(baseline).name}).",
           "market": base["market"], "products": base["products"], "network": network}
    _write_checked(out, doc)
    return out


def name_solved(path: Path, solved_file: Path) -> None:
    """Add ``network.solved`` to a scenario ``init`` wrote (a plain YAML rewrite)."""
    text = Path(path).read_text(encoding="utf-8")
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    doc = yaml.safe_load(text)
    doc.setdefault("network", {})["solved"] = _rel(solved_file, Path(path).resolve().parent)
    Path(path).write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True),
                          encoding="utf-8")
