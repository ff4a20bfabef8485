"""Open a report's `index.html` in headless Chromium: check that it renders, take a screenshot
of its top and one of each section, whole.

    python -m zoo.report.browser reports/quick/index.html \
        --screenshot reports/quick/screenshot.png --sections reports/quick/screenshots

Chromium is Debian's `chromium` package (`make browser` installs it); nothing is fetched from a
network (the page is self-contained and Chromium's background networking is off).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from zoo.errors import ZooError

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--virtual-time-budget=10000",
]  # fmt: skip


def chromium() -> str:
    """The Chromium executable; `ZooError` with the fix if there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    raise ZooError("no Chromium found: install Debian's package (`make browser`, or "
                   "`apt-get install chromium`).")  # fmt: skip


def _run(page: Path, *extra: str, fragment: str = "") -> str:
    with tempfile.TemporaryDirectory() as profile:
        url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
        proc = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
    if proc.returncode != 0:
        raise ZooError(f"Chromium failed on {page} (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


def render(page: Path, fragment: str = "", width: int = 1280) -> dict[str, object]:
    """Load `page` (with `#fragment`, e.g. `sort=0:1`) `width` pixels wide and return what the
    rendered DOM says: its title, the number of images and how many of them loaded, the
    number of tables and how many are wider than their box (they scroll sideways), each
    section's height in pixels (the page's script records these on `<body>` at `load`), and
    the DOM itself."""
    dom = _run(Path(page), "--dump-dom", f"--window-size={width},2000", fragment=fragment)
    loaded = re.search(r'<body[^>]*data-images-loaded="(\d+)/(\d+)"', dom)
    scrolling = re.search(r'<body[^>]*data-tables-scrolling="(\d+)"', dom)
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    return {
        "title": title.group(1) if title else None,
        "images_loaded": int(loaded.group(1)) if loaded else None,
        "images": int(loaded.group(2)) if loaded else None,
        "tables": dom.count('<table class="sortable">'),
        "tables_scrolling": int(scrolling.group(1)) if scrolling else None,
        "sections": _sections(dom),
        "dom": dom,
    }


def _sections(dom: str) -> dict[str, int]:
    """Section anchor -> its rendered height in pixels, from `<body data-sections>`."""
    found = re.search(r'<body[^>]*data-sections="([^"]*)"', dom)
    pairs = (item.rsplit(":", 1) for item in (found.group(1).split(",") if found else []) if item)
    return {anchor: int(height) for anchor, height in pairs}


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 2400) -> Path:
    """A PNG of the top `height` pixels of `page` rendered `width` pixels wide."""
    png = Path(png).resolve()
    _run(Path(page), f"--window-size={width},{height}", f"--screenshot={png}")
    if not png.is_file():
        raise ZooError(f"Chromium wrote no screenshot of {page}")
    return png


def section_screenshots(page: Path, folder: Path, width: int = 1280) -> list[Path]:
    """One PNG per section of `page`, `width` pixels wide and tall enough to hold the whole
    section (`folder/NN-ANCHOR.png`, in page order); the folder's older PNGs are replaced."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    shots = []
    for i, (anchor, height) in enumerate(render(page, width=width)["sections"].items()):
        png = folder / f"{i:02d}-{anchor}.png"
        _run(Path(page), f"--window-size={width},{height + 120}", f"--screenshot={png}",
             fragment=f"only={anchor}")  # fmt: skip
        if not png.is_file():
            raise ZooError(f"Chromium wrote no screenshot of {page}#{anchor}")
        shots.append(png)
    return shots


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m zoo.report.browser", description=__doc__)
    parser.add_argument("page", type=Path, help="a report's index.html")
    parser.add_argument("--screenshot", type=Path, help="also write a PNG of the page here")
    parser.add_argument("--sections", type=Path, metavar="FOLDER",
                        help="also write one PNG per section, each whole, into FOLDER")  # fmt: skip
    args = parser.parse_args(argv)
    info = render(args.page)
    print(f"{args.page}: {info['tables']} tables, {info['images_loaded']}/{info['images']} "
          "images loaded")  # fmt: skip
    if args.screenshot:
        print(f"screenshot: {screenshot(args.page, args.screenshot)}")
    if args.sections:
        shots = section_screenshots(args.page, args.sections)
        print(f"section screenshots: {len(shots)} in {args.sections}")
    return 0 if info["images_loaded"] == info["images"] else 1


if __name__ == "__main__":
    sys.exit(main())
