"""`python -m portal.cli`: the `portal` command."""

from portal.cli import main

main()
