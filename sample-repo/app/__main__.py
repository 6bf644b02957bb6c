"""Provides `python -m app`: runs the sample service from a source checkout."""

from app.server import main

raise SystemExit(main())
