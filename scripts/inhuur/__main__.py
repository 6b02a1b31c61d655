"""Allow `python -m inhuur`."""

from inhuur.cli import run

run()
