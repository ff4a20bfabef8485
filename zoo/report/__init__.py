"""Reports from a folder of trial records: README.md, index.html, results.csv, summary.csv,
plots/*.png (`zoo.report.assemble`), comparisons of two folders (`zoo.report.compare`).

    zoo report reports/quick        # or zoo.report.write_report("reports/quick")
"""

from zoo.report.assemble import load_records, write_report

__all__ = ["load_records", "write_report"]
