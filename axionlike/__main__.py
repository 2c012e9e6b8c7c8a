"""``python -m axionlike``: the command line (same as the ``axionlike`` script)."""

from axionlike.cli import main

raise SystemExit(main())
