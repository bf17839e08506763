"""Put the dashboard's browser assets where Solara looks for them, from the npm registry.

Solara's server fetches its front-end (and Font Awesome, RequireJS) from a public CDN on
first use and caches them under ``<prefix>/share/solara/cdn``. Where that CDN cannot be
reached, the page stays blank. This fills the same cache from the npm registry, with the
exact versions the installed Solara asks for; run once after installing (the Makefile does).

Usage: python tools/solara_assets.py
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path


def wanted() -> list[str]:
    """Npm specs (name@version) of the assets the installed Solara requests."""
    import solara

    src = Path(solara.__file__).parent
    text = ""
    for pattern in ("*.py", "*.html", "*.j2", "*.vue", "*.js"):
        text += "".join(p.read_text(errors="ignore") for p in src.rglob(pattern))
    specs = set(re.findall(r"(@widgetti/[a-z0-9-]+@[0-9][0-9A-Za-z.\-]*[0-9A-Za-z])", text))
    specs |= set(re.findall(r"(requirejs@[0-9.]*[0-9])", text))
    specs |= set(re.findall(r"(font-awesome@[0-9.]*[0-9])", text))
    return sorted(specs)


def main() -> int:
    """Download and unpack each asset package into Solara's CDN cache."""
    import solara.server.settings as settings

    cache = Path(settings.assets.proxy_cache_dir)
    npm = shutil.which("npm")
    if npm is None:
        print("npm not found: the dashboard will need the public CDN", file=sys.stderr)
        return 0
    for spec in wanted():
        target = cache / spec
        if target.is_dir() and any(target.iterdir()):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([npm, "pack", "--silent", spec], cwd=tmp, capture_output=True,
                                 text=True)
            if out.returncode != 0:
                print(f"could not fetch {spec}: {out.stderr.strip()}", file=sys.stderr)
                continue
            tgz = Path(tmp) / out.stdout.strip().splitlines()[-1]
            with tarfile.open(tgz) as tar:
                tar.extractall(tmp, filter="data")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(Path(tmp) / "package", target, dirs_exist_ok=True)
            print(f"dashboard assets: {spec}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
