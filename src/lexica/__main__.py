"""`python -m lexica ...` runs the command-line tool."""

from lexica.cli import main

raise SystemExit(main())
