"""Run the staffvoice command line with `python -m bot`."""

from bot.cli import main

raise SystemExit(main())
