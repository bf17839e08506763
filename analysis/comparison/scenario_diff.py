"""What a strategy changes against its baseline, as readable rows."""

from __future__ import annotations


def flatten(node, prefix: str = "") -> dict[str, object]:
    """Nested mappings to ``{dotted.path: value}`` (lists stay whole)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: node}


def scenario_diff(baseline: dict, strategy: dict) -> list[tuple[str, object, object]]:
    """``(path, baseline value, strategy value)`` for every setting that differs.

    ``baseline`` and ``strategy`` are stored scenarios (``{"scenario": ..., ...}``); the
    strategy's policy is compared with the baseline's, and its rollout is listed whole.
    """
    a = flatten(baseline["scenario"])
    b = flatten(strategy["scenario"])
    rows = []
    for path in sorted(set(a) | set(b)):
        if path.split(".")[0] in ("name", "description"):
            continue
        if a.get(path) != b.get(path):
            rows.append((path, a.get(path, "—"), b.get(path, "—")))
    return rows
