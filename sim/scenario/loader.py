"""Loading scenario files: safe YAML, ``extends`` deep-merge, clean one-line errors."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import UserError
from sim.scenario.levers import check_network_sellers
from sim.scenario.messages import problems
from sim.scenario.retired import retired_problems
from sim.scenario.roster import CLIENT_FILES, check_network
from sim.scenario.schema import Scenario, check_uncertain_path
from sim.scenario.yaml_file import YamlError, parse, read_text
from sim.tabular import TableError


class ScenarioError(UserError):
    """A scenario file could not be loaded; ``problems`` holds ``(file, field, reason)``."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One ``FILE: field.path: reason`` line per problem."""
        return [f"{f}: {field}: {reason}" if field else f"{f}: {reason}"
                for f, field, reason in self.problems]


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` onto ``base``: mappings merge key by key, anything else replaces."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    name = str(path)
    try:
        data = parse(read_text(path))
    except YamlError as exc:
        raise ScenarioError([(name, "", str(exc))]) from None
    if not isinstance(data, dict):
        raise ScenarioError([(name, "", "the top level must be a mapping of sections")])
    _reject_non_finite(name, data, "")
    return data


def _reject_non_finite(name: str, node: Any, where: str) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if not isinstance(k, str):
                raise ScenarioError([(name, where, f"key {k!r} is not text")])
            _reject_non_finite(name, v, f"{where}.{k}" if where else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _reject_non_finite(name, v, f"{where}.{i}")
    elif isinstance(node, float) and not math.isfinite(node):
        raise ScenarioError([(name, where, "number must be finite")])


def _resolve(path: Path, chain: tuple[Path, ...]) -> list[tuple[Path, dict[str, Any]]]:
    """Return the extends chain, root first, as (file, merged data) pairs."""
    real = path.resolve()
    if real in [p.resolve() for p in chain]:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError([(str(chain[0]), "extends", f"cycle: {cycle}")])
    raw = _read_yaml(path)
    retired = retired_problems(raw)
    if retired:
        raise ScenarioError([(str(path), field, why) for field, why in retired])
    _anchor_files(path, raw)
    parent_ref = raw.pop("extends", None)
    if parent_ref is None:
        return [(path, raw)]
    if not isinstance(parent_ref, str) or not parent_ref:
        raise ScenarioError([(str(path), "extends", "must be a file name")])
    parent_path = path.parent / parent_ref
    if not parent_path.is_file():
        raise ScenarioError([(str(path), "extends", f"file not found: {parent_ref}")])
    lineage = _resolve(parent_path, (*chain, path))
    try:
        _validate(str(parent_path), lineage[-1][1])
    except ScenarioError as exc:
        raise ScenarioError(exc.problems) from None
    merged = deep_merge(lineage[-1][1], raw)
    if isinstance(raw.get("uncertainties"), dict):
        merged["uncertainties"] = _merged_uncertainties(lineage[-1][1], raw["uncertainties"])
    return [*lineage, (path, merged)]


def _anchor_files(path: Path, raw: dict[str, Any]) -> None:
    """Make the client files a scenario names absolute (they are relative to its file)."""
    net = raw.get("network")
    if not isinstance(net, dict):
        return
    for key in CLIENT_FILES:
        ref = net.get(key)
        if not isinstance(ref, str) or not ref:
            continue
        target = (path.parent / ref).resolve()
        if not target.is_file():
            raise ScenarioError([(str(path), f"network.{key}", f"file not found: {ref} "
                                  "(paths are relative to the scenario file)")])
        net[key] = str(target)


def _merged_uncertainties(parent: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """The parent's uncertainties with this file's entries replacing theirs whole.

    An entry is one distribution, so merging key by key would mix a range with a normal;
    ``path: null`` removes an inherited entry (a calibrated file's fitted settings).
    """
    inherited = parent.get("uncertainties")
    out = copy.deepcopy(inherited) if isinstance(inherited, dict) else {}
    for key, value in own.items():
        out.pop(key, None)
        if value is not None:
            out[key] = copy.deepcopy(value)
    return out


def _validate(name: str, data: dict[str, Any]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems(Scenario, name, exc)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge and validate a scenario file.

    A file with ``extends: other.yaml`` is deep-merged onto its parent. When the result
    has a ``rollout`` section it is a strategy, and the policy of the nearest ancestor
    without a rollout becomes its :attr:`Scenario.policy_before`.

    Raises:
        ScenarioError: with one line per problem, naming the file and the field.

    """
    path = Path(path)
    lineage = _resolve(path, ())
    merged = lineage[-1][1]
    scenario = _validate(str(path), merged)
    if scenario.rollout is not None:
        base = next(((f, d) for f, d in reversed(lineage[:-1]) if "rollout" not in d), None)
        if base is not None:
            scenario.with_policy_before(_validate(str(base[0]), base[1]).policy)
    try:
        check_network(scenario)
        check_network_sellers(scenario)
    except (TableError, ValueError) as exc:
        field = getattr(exc, "field", "network")
        raise ScenarioError([(str(path), field, str(exc))]) from None
    return scenario


def set_paths(scenario: Scenario, values: dict[str, float], check, source: str) -> Scenario:
    """A copy of ``scenario`` with numeric settings set by dotted path, validated again.

    Args:
        scenario: the scenario to start from (its baseline policy is kept).
        values: new values by dotted path (``__`` may stand for ``.``).
        check: ``check(scenario, path)`` raises ValueError for a path that may not be set.
        source: the name problems are reported against.

    Raises:
        ScenarioError: one line per path refused, or per value the schema refuses.

    """
    data = scenario.model_dump()
    problems = []
    for raw, value in values.items():
        path = raw.replace("__", ".")
        try:
            check(scenario, path)
        except ValueError as exc:
            problems.append((source, path, str(exc)))
            continue
        node = data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key = int(parts[-1]) if isinstance(node, list) else parts[-1]
        node[key] = int(round(value)) if isinstance(node[key], int) else float(value)
    if problems:
        raise ScenarioError(problems)
    return _validate(source, data).with_policy_before(scenario._policy_before)


def with_values(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """A copy of ``scenario`` with uncertain parameters set by dotted path.

    Raises:
        ScenarioError: if a path is not an uncertainty's (does not exist, is not numeric, or
            is a lever), or the value is invalid.

    """
    return set_paths(scenario, values, check_uncertain_path, "<values>")
