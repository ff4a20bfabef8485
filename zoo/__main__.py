"""`python -m zoo` runs the command-line interface."""

from zoo.cli import main

raise SystemExit(main())
