"""Allow `python -m inhuur`."""

from inhuur.cli import main

raise SystemExit(main())
