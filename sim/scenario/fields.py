"""The schema as a tree of dotted paths: what each path holds, and which paths exist.

Used to check a value against one field alone (an uncertainty's range ends) and to
suggest the setting a person meant when they wrote an unknown key.
"""

from __future__ import annotations

import difflib
import functools
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter


def unwrap_optional(annotation: Any) -> Any:
    """``X`` for ``X | None`` and ``Annotated[X, ...]`` kept whole (constraints matter)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def base_type(annotation: Any) -> Any:
    """The type under ``Annotated[...]``."""
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    return annotation


def _step(annotation: Any, part: str) -> Any:
    """The annotation one step down ``part`` (KeyError where there is no such step)."""
    ann = base_type(unwrap_optional(annotation))
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        if part not in ann.model_fields:
            raise KeyError(part)
        return ann.model_fields[part].annotation if not ann.model_fields[part].metadata else (
            typing.Annotated[(ann.model_fields[part].annotation,
                              *ann.model_fields[part].metadata)])
    origin = typing.get_origin(ann)
    if origin is dict:
        key, value = typing.get_args(ann)
        keys = literal_values(key)
        if keys is not None and part not in keys:
            raise KeyError(part)
        return value
    if origin is list and part.isdigit():
        return typing.get_args(ann)[0]
    raise KeyError(part)


def literal_values(annotation: Any) -> tuple | None:
    """The allowed values of a ``Literal`` annotation (None for any other)."""
    ann = base_type(annotation)
    return typing.get_args(ann) if typing.get_origin(ann) is Literal else None


def annotation_at(root: type[BaseModel], path: str) -> Any:
    """The annotation (with its constraints) of the setting at a dotted path.

    Raises:
        KeyError: a step of the path that the schema does not have.

    """
    ann: Any = root
    for part in path.split("."):
        ann = _step(ann, part)
    return ann


def check_value(root: type[BaseModel], path: str, value: Any) -> str | None:
    """Why ``value`` is not valid for the setting at ``path`` alone (None when it is)."""
    try:
        TypeAdapter(annotation_at(root, path)).validate_python(value)
    except Exception as exc:  # pydantic's ValidationError, or a schema oddity
        errors = getattr(exc, "errors", None)
        msg = errors()[0]["msg"] if callable(errors) else str(exc)
        return msg.replace("Input should be", "must be")
    return None


@functools.cache
def all_paths(root: type[BaseModel]) -> tuple[str, ...]:
    """Every setting's dotted path (mappings with fixed keys expanded, lists kept whole)."""
    out: list[str] = []

    def walk(ann: Any, path: str) -> None:
        base = base_type(unwrap_optional(ann))
        if path:
            out.append(path)
        if isinstance(base, type) and issubclass(base, BaseModel):
            for name, f in base.model_fields.items():
                walk(f.annotation, f"{path}.{name}" if path else name)
        elif typing.get_origin(base) is dict:
            key, value = typing.get_args(base)
            for k in literal_values(key) or ():
                walk(value, f"{path}.{k}")

    walk(root, "")
    return tuple(out)


def suggest(root: type[BaseModel], parent: str, key: str, limit: int = 3) -> list[str]:
    """The settings a person most likely meant by an unknown ``key`` under ``parent``.

    Keys of the same section that look alike come first, then settings anywhere below
    the section whose last part is the key (``policy.project`` -> ``policy.discounts.
    project``), then look-alikes elsewhere in the schema.
    """
    paths = all_paths(root)
    prefix = f"{parent}." if parent else ""
    siblings = sorted({p[len(prefix):].split(".")[0] for p in paths if p.startswith(prefix)})
    found = [prefix + s for s in difflib.get_close_matches(key, siblings, n=limit, cutoff=0.75)]
    below = [p for p in paths if p.startswith(prefix) and p.split(".")[-1] == key]
    anywhere = [p for p in paths if p.split(".")[-1] == key]
    leaves = {p.split(".")[-1]: p for p in paths}
    alike = [leaves[k] for k in difflib.get_close_matches(key, list(leaves), n=limit,
                                                          cutoff=0.8)]
    return list(dict.fromkeys(found + below + anywhere + alike))[:limit]


def numeric_bounds(annotation: Any) -> tuple[float | None, float | None]:
    """The lower and upper bounds an annotation's constraints set (None where open)."""
    lo = hi = None
    for meta in (typing.get_args(annotation)[1:]
                 if typing.get_origin(annotation) is typing.Annotated else ()):
        for m in getattr(meta, "metadata", [meta]):
            lo = getattr(m, "ge", getattr(m, "gt", lo))
            hi = getattr(m, "le", getattr(m, "lt", hi))
    return lo, hi
