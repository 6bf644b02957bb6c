#!/bin/sh
# Approval: runs the commit's own tests ($CAPTAIN_CHECKOUT/tests) against the wheel
# installed in the target's virtualenv, not against the checkout's source.
set -eu

venv="$CAPTAIN_STATE_DIR/venvs/$CAPTAIN_STAGE/$CAPTAIN_TARGET"
python="$venv/bin/python"
[ -x "$python" ] || { echo "nothing installed in $venv" >&2; exit 1; }

# The checkout is read-only by convention: no __pycache__ written there.
export PYTHONDONTWRITEBYTECODE=1
cd "$CAPTAIN_CHECKOUT"
# src layout: the checkout's root holds no `greeter`, so the import below finds the
# installed one. Say where it came from, and refuse anything but the target's venv.
"$python" - "$venv" <<'PY'
import sys, greeter
where = greeter.__file__
print("testing", where)
if not where.startswith(sys.argv[1]):
    sys.exit(f"greeter was imported from {where}, not from the target's venv")
PY
# unittest is in the standard library, so the bare venv can run it. For pytest, install
# it into each venv (pip_in_venv install pytest in install.sh) or create the venvs with
# --system-site-packages, and run: "$python" -m pytest -q tests
exec "$python" -m unittest discover -s tests -v
