"""A report as a list of blocks, rendered twice: Markdown (`README.md`) and HTML (`index.html`).

The HTML page is one self-contained file: the plots are embedded as base64 PNGs, the style
and the few lines of script (click a column header to sort a table) are inline, and nothing is
fetched from a network. Text blocks use a small Markdown subset: `code`, **bold** and
[links](#a-section); section anchors follow GitHub's rule (`anchor`), so one link works in
both renderings.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from zoo.report.tables import to_markdown

_CSS = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 1200px; margin: 2em auto;
       padding: 0 1em; color: #222; }
h1, h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; white-space: nowrap; }
th { background: #f3f3f3; cursor: pointer; user-select: none; }
th[data-dir="asc"]::after { content: " \\25B2"; } th[data-dir="desc"]::after { content: " \\25BC"; }
td:first-child, th:first-child { text-align: left; }
th, td:first-child, td:has(code) { white-space: normal; }  /* wrap at spaces, `:` */
code { background: #f3f3f3; padding: 0 3px; border-radius: 3px; }
img { max-width: 100%; display: block; margin: 1em 0; border: 1px solid #eee; }
.note { color: #555; }
.wide { overflow-x: auto; max-width: 100%; }  /* a wide table scrolls inside its box */
"""

# Click a header to sort by that column (numbers by value: "0.81 ± 0.02" sorts as 0.81,
# "—" and "diverged" last); click again to reverse; `#sort=T:C` in the address sorts table T
# by column C on load. Then record on <body> that every image loaded.
_SCRIPT = """
function cellValue(td) {
  const m = td.textContent.trim().match(/^[+-]?\\d+(\\.\\d+)?([eE][+-]?\\d+)?/);
  return m ? parseFloat(m[0]) : null;
}
document.querySelectorAll("table.sortable th").forEach((th, col) => {
  th.addEventListener("click", () => {
    const body = th.closest("table").tBodies[0];
    const dir = th.dataset.dir === "asc" ? "desc" : "asc";
    th.closest("tr").querySelectorAll("th").forEach(h => delete h.dataset.dir);
    th.dataset.dir = dir;
    const sign = dir === "asc" ? 1 : -1;
    const rows = Array.from(body.rows);
    rows.sort((a, b) => {
      const x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
      if (x === null && y === null)
        return sign * a.cells[col].textContent.localeCompare(b.cells[col].textContent);
      if (x === null) return 1;
      if (y === null) return -1;
      return sign * (x - y);
    });
    rows.forEach(r => body.appendChild(r));
  });
});
window.addEventListener("load", () => {
  // A link may ask for a sorted table: index.html#sort=TABLE:COLUMN (0-based), clicked once.
  const m = location.hash.match(/^#sort=(\\d+):(\\d+)$/);
  if (m) {
    const table = document.querySelectorAll("table.sortable")[+m[1]];
    if (table) table.tHead.rows[0].cells[+m[2]].click();
  }
  // How many tables are wider than their box at this width (they scroll sideways).
  document.body.dataset.tablesScrolling = Array.from(document.querySelectorAll(".wide"))
    .filter(w => w.scrollWidth > w.clientWidth).length;
  // Each section's height at this width, for a screenshot of it whole (`zoo.report.browser`);
  // index.html#only=ANCHOR shows that section alone.
  const secs = Array.from(document.querySelectorAll("section"));
  document.body.dataset.sections = secs.map(
    s => s.id + ":" + Math.ceil(s.getBoundingClientRect().height)).join(",");
  const only = location.hash.match(/^#only=(.+)$/);
  if (only) {
    const keep = decodeURIComponent(only[1]);
    Array.from(document.body.children).forEach(e => {
      if (e.tagName !== "SCRIPT" && e.id !== keep) e.style.display = "none";
    });
  }
  const imgs = Array.from(document.images);
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.dataset.imagesLoaded = ok + "/" + imgs.length;
});
"""


def inline(text: str) -> str:
    """HTML for one line of the Markdown subset: escaped, with `code`, **bold** and links.
    A long label may break after each `:` (`<wbr>`: copied text is unchanged)."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", lambda m: f"<code>{m[1].replace(':', ':<wbr>')}</code>", out)
    out = re.sub(r"\[([^\]]+)\]\((#[^)\s]+)\)", r'<a href="\2">\1</a>', out)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)


def anchor(heading: str) -> str:
    """A section's anchor as GitHub makes it: lower case, punctuation dropped but `-` and
    `_`, spaces to `-` (`cnn_small on fashion_mnist` -> `cnn_small-on-fashion_mnist`)."""
    return re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")


@dataclass
class Document:
    """Blocks of a report: headings, paragraphs, bullet lists, tables and images."""

    title: str
    blocks: list[tuple[str, object]] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.blocks.append(("h2", text))

    def paragraph(self, text: str) -> None:
        self.blocks.append(("p", text))

    def bullets(self, items: list[str]) -> None:
        self.blocks.append(("ul", list(items)))

    def table(self, frame: pd.DataFrame) -> None:
        self.blocks.append(("table", frame))

    def images(self, paths: list[Path]) -> None:
        self.blocks.append(("images", [Path(p) for p in paths]))

    def image_paths(self) -> set[Path]:
        """Every image the report shows."""
        return {p for kind, content in self.blocks if kind == "images" for p in content}

    def markdown(self, base: Path) -> str:
        """The report as Markdown; image links are relative to `base` (the report folder)."""
        md = [f"# {self.title}", ""]
        for kind, content in self.blocks:
            if kind == "h2":
                md += [f"## {content}", ""]
            elif kind == "p":
                md += [content, ""]
            elif kind == "ul":
                md += [f"- {item}" for item in content] + [""]
            elif kind == "table":
                md += [to_markdown(content), ""]
            else:
                md += [f"![{p.stem}]({p.relative_to(base).as_posix()})" for p in content] + [""]
        return "\n".join(md)

    def html(self) -> str:
        """The report as one self-contained HTML page (plots embedded, sortable tables)."""
        sections = [content for kind, content in self.blocks if kind == "h2"]
        body = [f"<h1>{inline(self.title)}</h1>"]
        if sections:
            links = " ".join(f'<a href="#{anchor(s)}">{inline(s)}</a>' for s in sections)
            body.append(f"<nav>{links}</nav>")
        opened = False
        for kind, content in self.blocks:
            if kind == "h2":  # a section runs from its heading to the next
                start = f'<section id="{anchor(content)}"><h2>{inline(content)}</h2>'
                body.append(("</section>\n" if opened else "") + start)
                opened = True
            elif kind == "p":
                body.append(f"<p>{inline(content)}</p>")
            elif kind == "ul":
                body.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in content) + "</ul>")
            elif kind == "table":
                body.append(_html_table(content))
            else:
                for path in content:
                    data = base64.b64encode(path.read_bytes()).decode()
                    body.append(f'<img alt="{html.escape(path.stem)}" '
                                f'src="data:image/png;base64,{data}">')  # fmt: skip
        if opened:
            body.append("</section>")
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(self.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body)
            + f"\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
        )


def _html_table(frame: pd.DataFrame) -> str:
    header = [frame.index.name or "", *map(str, frame.columns)]
    head = "".join(f"<th>{inline(h)}</th>" for h in header)
    rows = []
    for idx, row in frame.iterrows():
        cells = [f"<td>{inline(f'`{idx}`')}</td>"]
        cells += [f"<td>{inline(str(v))}</td>" for v in row.values]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="wide"><table class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
