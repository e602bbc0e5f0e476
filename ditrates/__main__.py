"""``python -m ditrates``: the command line."""

from ditrates.cli import main

main()
