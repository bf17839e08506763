"""Writing a scenario that ``extends`` another with some settings changed.

Optimisation and calibration end with a file the user can read, edit, validate and
compare: a few lines that name the input and set the values found.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from sim.scenario.schema import Scenario


def overrides(scenario: Scenario, paths: list[str]) -> dict:
    """The nested settings of ``scenario`` at ``paths``.

    A path that passes through a list (``policy.rebates.tiers.0.rate``) or a mapping that is a
    single setting (``market.deal_rate.key``) takes the whole list or mapping: ``extends``
    replaces lists, and such a mapping must name every key to be valid on its own.
    """
    full = scenario.model_dump(mode="json")
    out: dict = {}
    for path in paths:
        parts = path.split(".")
        src, dst, node = full, out, scenario
        for i, part in enumerate(parts):
            node = node[int(part)] if isinstance(node, list) else (
                node[part] if isinstance(node, dict) else getattr(node, part))
            if isinstance(node, (list, dict)) or i == len(parts) - 1:
                dst[part] = src[part]
                break
            dst = dst.setdefault(part, {})
            src = src[part]
    return out


def write_extending(target: Path, parent: Path, scenario: Scenario, paths: list[str],
                    name: str, header: str, extra: dict | None = None) -> Path:
    """Write ``target``: ``extends`` the parent file and sets ``scenario``'s ``paths``.

    Args:
        target: the file to write.
        parent: the scenario file it extends (referred to relative to ``target``).
        scenario: where the values come from.
        paths: the dotted paths to write.
        name: the new scenario's name.
        header: comment lines put on top (why the values were chosen).
        extra: further top-level sections written as given (a calibration's
            ``uncertainties:``, where ``null`` removes an inherited entry).

    """
    target = Path(target)
    parent, home = Path(parent).resolve(), target.resolve().parent
    # Relative when the two share a folder below the root, so the pair can be moved together.
    rel = (os.path.relpath(parent, home) if os.path.commonpath([parent, home]) != "/"
           else str(parent))
    doc = {"extends": rel, "name": name, "description": header.splitlines()[0],
           **overrides(scenario, paths), **(extra or {})}
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(comment + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True),
                      encoding="utf-8")
    return target
