"""Settings that no longer exist, and what replaced them: one line each, naming the mechanism.

A scenario written for an earlier version that sets one of these is refused with the line
below rather than a bare "unknown key", so its author learns what the model does instead.
"""

from __future__ import annotations

from typing import Any

_BUDGET = ("removed: the reach gain of holding agents to fewer cells is no longer set by "
           "hand; each agent spreads a fixed effort budget over the cells it may pursue "
           "(behaviour.effort), so confining it concentrates that budget")
RETIRED = {
    "policy.territory_focus_gain": _BUDGET,
    "policy.direct.focus_gain": _BUDGET,
    "behaviour.commitment.active_threshold": (
        "removed: an agent is active when in the last behaviour.activity_weeks weeks it sold, "
        "bought, specified the brand into a project or held an open registration; "
        "commitment drives its effort and defection"),
    "behaviour.reach.effort_exponent": "moved to behaviour.effort.exponent",
    "behaviour.inventory.forward_weeks": (
        "removed: forward buying is priced: a distributor buys k weeks ahead of an announced "
        "rise in its net purchase price while k <= 52 x rise / holding_rate, within "
        "credit_weeks (behaviour.inventory)"),
    "behaviour.reach.inactive_effort": (
        "removed: being on paper no longer cuts an agent's effort by itself; commitment "
        "sets its effort budget (behaviour.effort)"),
}
RENAMED_ACTIONS = {"prune_inactive": "prune_on_paper"}


def _get(data: dict, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def retired_problems(data: dict) -> list[tuple[str, str]]:
    """``(field, reason)`` for every retired setting ``data`` (one file's YAML) sets."""
    out = [(path, why) for path, why in RETIRED.items() if _get(data, path) is not None]
    changes = _get(data, "rollout.network_changes")
    for i, change in enumerate(changes if isinstance(changes, list) else []):
        action = change.get("action") if isinstance(change, dict) else None
        if isinstance(action, str) and action in RENAMED_ACTIONS:
            out.append((f"rollout.network_changes.{i}.action",
                        f"'{action}' is now '{RENAMED_ACTIONS[action]}' (on paper: contracted "
                        "but not selling)"))
    return out
