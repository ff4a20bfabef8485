"""The HTML report in headless Chromium (`zoo.report.document`, `zoo.report.browser`)."""

import re
from pathlib import Path

import pytest

from zoo.report import write_report


def test_html_report_is_self_contained_and_renders_in_chromium(fixture_dir, tmp_path, browser):
    """index.html: every plot embedded, sortable tables, provenance; headless Chromium (Debian's
    package, `make browser`) loads every image and the page's script runs."""
    from zoo.report.browser import render, screenshot

    write_report(fixture_dir)
    page = fixture_dir / "index.html"
    html = page.read_text()
    # Anchors as GitHub makes them, so the findings' links work in README.md and here.
    assert '<section id="cnn_small-on-fashion_mnist"><h2>cnn_small on fashion_mnist</h2>' in html
    assert '<a href="#cnn_small-on-fashion_mnist">cnn_small on fashion_mnist</a>:' in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from a network
    assert html.count("data:image/png;base64,") == 3
    assert "<strong>0.9100 ± 0.1271</strong>" in html
    assert "Git commit:" in html and "Hardware:" in html
    # The page alone, copied away from its plots folder, still has every image.
    alone = tmp_path / "alone.html"
    alone.write_text(html)
    info = render(alone)
    assert info["title"] == f"Benchmark report: {fixture_dir.name}"
    assert info["tables"] == 3
    assert info["images"] == 3 and info["images_loaded"] == 3
    png = screenshot(alone, tmp_path / "shot.png", height=800)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10000


def test_each_section_is_shot_whole_and_wide_tables_scroll(fixture_dir, tmp_path, browser):
    """One screenshot per section, each as tall as the section is at that width (the page's
    `#only=ANCHOR` shows that section alone); tables scroll inside their own box."""
    import struct

    from zoo.report.browser import render, section_screenshots

    write_report(fixture_dir)
    page = fixture_dir / "index.html"
    html = page.read_text()
    assert html.count('<div class="wide"><table class="sortable">') == html.count("<table")
    heights = render(page)["sections"]
    assert list(heights)[:3] == ["scope", "findings", "about-this-run"]
    assert "cnn_small-on-fashion_mnist" in heights and min(heights.values()) > 50
    alone = render(page, fragment="only=findings")["dom"]
    shown = re.findall(r'<section id="([^"]+)"(?! style="display: none;")', alone)
    assert shown == ["findings"]
    shots = section_screenshots(page, tmp_path / "shots")
    assert [p.name for p in shots] == [f"{i:02d}-{a}.png" for i, a in enumerate(heights)]
    for png, height in zip(shots, heights.values(), strict=True):
        width, tall = struct.unpack(">II", png.read_bytes()[16:24])  # the PNG's IHDR
        assert width == 1280 and tall >= height


def test_long_labels_wrap_so_a_table_fits_the_page(tmp_path, browser):
    """A table whose labels and headers are long wraps them (labels after each `:`, headers
    at spaces) rather than running wider than the page; copied labels keep no break."""
    import pandas as pd

    from zoo.report.browser import render
    from zoo.report.document import Document

    label = "nadam:lr=0.00175:beta_1=0.9327:beta_2=0.99552:epsilon=1e-08:wd=0.0812"
    labels = [f"{label} @ warmup_cosine:warmup=0.02 + none", "adam:lr=0.001 + none"]
    frame = pd.DataFrame(
        {f"test accuracy at {n} epochs (seeds)": ["0.8833 ± 0.0022 (4)"] * 2 for n in range(4)}
        | {f"tuned at {n} epochs": [f"`{label}`"] * 2 for n in range(3)},
        index=pd.Index(labels, name="configuration"),
    )
    doc = Document("Wide")
    doc.table(frame)
    page = tmp_path / "wide.html"
    page.write_text(doc.html())
    info = render(page)
    assert info["tables"] == 1 and info["tables_scrolling"] == 0
    assert "lr=0.00175:<wbr>beta_1" in info["dom"]  # a break opportunity, not a character
    # The same table's cells unwrapped run past 1280 px: the check above can fail.
    page.write_text(doc.html().replace("white-space: normal", "white-space: nowrap"))
    assert render(page)["tables_scrolling"] == 1


REPORTS = Path(__file__).resolve().parents[2] / "reports"
# Every committed report page (reports/standard/ once its run has finished).
PAGES = sorted(p.parent.name for p in REPORTS.glob("*/index.html"))


@pytest.mark.parametrize("name", PAGES)
def test_committed_reports_render_with_every_image(name, browser):
    from zoo.report.browser import render

    info = render(REPORTS / name / "index.html")
    assert info["images"] >= 3 and info["images_loaded"] == info["images"]
    if name in ("quick", "standard"):  # the headline reports' screenshots (make bench/standard)
        assert info["images"] >= 9
        assert (REPORTS / name / "screenshot.png").stat().st_size > 50000
        assert info["tables_scrolling"] == 0  # every table fits the page at 1280 px


def test_html_tables_sort_by_a_column(fixture_dir, browser):
    """The page's script sorts a table by a clicked column (`#sort=T:C` clicks it on load):
    numbers by value, cells without one (`diverged`) last."""
    import re

    from zoo.report.browser import render

    write_report(fixture_dir)
    page = fixture_dir / "index.html"

    def first_table_rows(fragment: str) -> list[str]:
        dom = render(page, fragment=fragment)["dom"]
        body = re.search(r"<tbody>(.*?)</tbody>", dom, re.S).group(1)
        return [re.sub("<wbr>", "", c) for c in re.findall(r"<tr><td><code>(.*?)</code>", body)]

    assert first_table_rows("") == ["sgd", "adam"]  # canonical order
    # Column 2 is `l2`: adam 0.91, sgd diverged -> adam first.
    assert first_table_rows("sort=0:2") == ["adam", "sgd"]
    # Column 1 is `none`: sgd 0.71 < adam 0.82 ascending.
    assert first_table_rows("sort=0:1") == ["sgd", "adam"]


def test_render_tests_skip_without_a_browser_but_fail_under_ci(tmp_path):
    """No Chromium on PATH: the render test is skipped with how to enable it, unless CI=true,
    where a missing browser is a failure (CI must run it)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    test = "tests/report/test_browser.py::test_html_tables_sort_by_a_column"
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = str(Path(sys.executable).parent)  # the venv's tools, no browser
    root = Path(__file__).resolve().parents[2]

    def run(extra):
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p",
                               "no:cacheprovider", test], cwd=root, env={**env, **extra},
                              capture_output=True, text=True, timeout=600)  # fmt: skip

    skipped = run({})
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout
    assert "no Chromium found" in skipped.stdout and "make browser" in skipped.stdout
    failed = run({"CI": "true"})
    assert failed.returncode == 1 and "1 error" in failed.stdout  # the fixture raises
    assert "no Chromium found" in failed.stdout
