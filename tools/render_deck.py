"""Render a slide deck's slides (and optionally a report page) to PNG, to look at them.

Uses LibreOffice (``soffice``, Debian's ``libreoffice-impress``) for the deck and poppler's
``pdftoppm`` for the pages; Chromium for the HTML report's first screen::

    .venv/bin/python tools/render_deck.py results/demo/report.pptx --out /tmp/slides
    .venv/bin/python tools/render_deck.py results/demo/report.pptx --html results/demo/report.html

Writes one ``slide-N.png`` per slide (and ``report.png``) into ``--out`` and prints
their paths. Open them before calling a deck done: a chart past a slide's edge, a cut title
or overlapping text shows here and nowhere else.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def _tool(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    sys.exit(f"none of {', '.join(names)} is on the PATH (apt-get install libreoffice-impress "
             "poppler-utils chromium)")


def render_slides(deck: Path, out: Path, dpi: int = 50) -> list[Path]:
    """Every slide of ``deck`` as ``out/slide-N.png`` (LibreOffice, then pdftoppm)."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # a private profile, so a running LibreOffice does not swallow the conversion
        subprocess.run([_tool("soffice", "libreoffice"), f"-env:UserInstallation=file://{tmp}/u",
                        "--headless", "--convert-to", "pdf", "--outdir", tmp, str(deck)],
                       check=True, capture_output=True, timeout=300)
        pdf = Path(tmp) / (deck.stem + ".pdf")
        for old in out.glob("slide-*.png"):
            old.unlink()
        subprocess.run([_tool("pdftoppm"), "-png", "-r", str(dpi), str(pdf),
                        str(out / "slide")], check=True, timeout=300)
    return sorted(out.glob("slide-*.png"))


def render_page(html: Path, png: Path, size: str = "1280,900") -> Path:
    """The first screen of an HTML page as Chromium shows it at ``size`` pixels."""
    subprocess.run([_tool("chromium", "chromium-browser", "google-chrome"), "--headless",
                    "--no-sandbox", "--disable-gpu", f"--screenshot={png}",
                    f"--window-size={size}", html.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    return png


def main(argv: list[str] | None = None) -> None:
    """Render the deck's slides, and the page's first screen when ``--html`` is given."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("deck", type=Path, help="the .pptx file")
    ap.add_argument("--out", type=Path, default=None,
                    help="folder for the PNGs (default: beside the deck, DECK_slides/)")
    ap.add_argument("--dpi", type=int, default=50, help="resolution of the slide PNGs")
    ap.add_argument("--html", type=Path, default=None, help="also the report page's first screen")
    args = ap.parse_args(argv)
    out = args.out or args.deck.with_name(args.deck.stem + "_slides")
    for path in render_slides(args.deck, out, args.dpi):
        print(path)
    if args.html is not None:
        print(render_page(args.html, out / "report.png"))


if __name__ == "__main__":
    main()
