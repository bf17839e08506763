"""Package names that import their module only when first used (PEP 562)."""

from __future__ import annotations

from importlib import import_module


def lazy_names(package: str, home: dict[str, str]):
    """``(__getattr__, __dir__)`` for a package whose public names live in ``home``."""

    def getattr_(name: str):
        if name in home:
            return getattr(import_module(home[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def dir_() -> list[str]:
        return sorted(home)

    return getattr_, dir_
