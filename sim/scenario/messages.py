"""Validation errors in words a person can act on: what is wrong and what to write instead.

Pydantic's messages name its own types ("Input should be a valid integer, unable to parse
string as an integer"); these lines say the rule of the setting ("must be a whole number
between 1 and 5,200") and, for an unknown key, the settings that were probably meant.
"""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import ValidationError

from sim.scenario.fields import annotation_at, suggest

_SUBPATH = re.compile(r"^([A-Za-z_][\w.]*): (.+)$", re.S)
_WHOLE = ("int_parsing", "int_parsing_size", "int_from_float", "int_type")
_NUMBER = ("float_parsing", "float_type")
_FORMS = ("range", "normal", "joint")


def _num(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:g}"


def _bounds(root, loc: list[str]) -> tuple[float | None, float | None]:
    """(lowest, highest) allowed value of the setting at ``loc`` where the schema bounds it."""
    try:
        ann = annotation_at(root, ".".join(loc))
    except KeyError:
        return None, None
    lo = hi = None
    for meta in typing.get_args(ann)[1:] if typing.get_origin(ann) is typing.Annotated else ():
        for m in getattr(meta, "metadata", [meta]):
            lo = getattr(m, "ge", lo)
            hi = getattr(m, "le", hi)
    return lo, hi


def _range_words(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f" between {_num(lo)} and {_num(hi)}"
    if hi is not None:
        return f" at most {_num(hi)}"
    return f" at least {_num(lo)}" if lo is not None else ""


def _file_loc(loc: list[str]) -> list[str]:
    """The location as the file has it: the form of an uncertainty is not a key."""
    if loc[:1] == ["uncertainties"] and len(loc) > 2 and loc[2] in _FORMS:
        return loc[:2] + loc[3:]
    return loc


def explain(root, err: dict[str, Any]) -> tuple[str, str]:
    """``(field path, reason)`` of one pydantic error, in the scenario's words."""
    loc = _file_loc([str(p) for p in err["loc"]])
    kind, msg = err["type"], err["msg"].removeprefix("Value error, ")
    ctx = err.get("ctx") or {}
    if loc and loc[-1] == "[key]":
        return ".".join(loc[:-1]), f"unknown name; {msg[0].lower()}{msg[1:]}"
    if kind == "extra_forbidden":
        meant = suggest(root, ".".join(loc[:-1]), loc[-1])
        hint = f"; did you mean {' or '.join(meant)}?" if meant else ""
        return ".".join(loc), f"unknown key{hint}"
    if kind in _WHOLE:
        return ".".join(loc), "must be a whole number" + _range_words(*_bounds(root, loc))
    if kind in _NUMBER:
        return ".".join(loc), "must be a number" + _range_words(*_bounds(root, loc))
    if kind in ("less_than_equal", "less_than"):
        return ".".join(loc), f"must be at most {_num(ctx.get('le', ctx.get('lt')))}"
    if kind in ("greater_than_equal", "greater_than"):
        word = "at least" if kind == "greater_than_equal" else "above"
        return ".".join(loc), f"must be {word} {_num(ctx.get('ge', ctx.get('gt')))}"
    if kind == "missing":
        return ".".join(loc), "missing: this setting is required"
    if kind == "bool_parsing" or kind == "bool_type":
        return ".".join(loc), "must be true or false"
    sub = _SUBPATH.match(msg)
    if sub:  # validators name the exact field inside their section
        loc, msg = [*loc, sub.group(1)], sub.group(2)
    return ".".join(loc), msg.replace("Input should be", "must be")


def problems(root, name: str, exc: ValidationError) -> list[tuple[str, str, str]]:
    """``(file, field, reason)`` for every error of a failed validation."""
    return [(name, *explain(root, err)) for err in exc.errors()]
