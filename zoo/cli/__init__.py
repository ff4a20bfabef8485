"""Command-line interface: `zoo list`, `zoo bench`, `zoo report`, `zoo compare`, `zoo audit`.

The CLI parses (`zoo.cli.parser`) and dispatches (`zoo.cli.app`) to the commands
(`zoo.cli.commands`, `zoo.cli.listing`); the work is the bench's and the report's.
"""

from zoo.cli.app import main
from zoo.cli.parser import build_parser

__all__ = ["build_parser", "main"]
