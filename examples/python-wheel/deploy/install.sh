#!/bin/sh
# Deploy (and rollback): installs the version's wheel into the target's own virtualenv,
#   $CAPTAIN_STATE_DIR/venvs/<stage>/<target>/
# created on first use. For a real target, run the same two pip commands there (over ssh,
# or in your configuration tool) against that machine's virtualenv.
set -eu

PYTHON=${PYTHON:-python3}
venv="$CAPTAIN_STATE_DIR/venvs/$CAPTAIN_STAGE/$CAPTAIN_TARGET"
set -- "$CAPTAIN_ARTEFACTS"/*.whl
[ "$#" -eq 1 ] && [ -f "$1" ] || { echo "expected one wheel in $CAPTAIN_ARTEFACTS" >&2; exit 1; }
wheel=$1

if [ ! -x "$venv/bin/python" ]; then
    # No pip inside: the captain's own pip installs into it (pip >= 22.3: --python).
    "$PYTHON" -m venv --without-pip "$venv"
fi
pip_in_venv() { "$PYTHON" -m pip --python "$venv/bin/python" --disable-pip-version-check "$@"; }

# 1. The project's dependencies, if any are missing (nothing is downloaded when they are
#    all there; on a machine without an index, point pip at a wheelhouse: --find-links).
pip_in_venv install --quiet "$wheel"
# 2. THE LESSON: the project's own files, always. Consecutive commits nearly always carry
#    the same version string (1.0.0 until someone bumps it), and a plain
#    `pip install app.whl` then says "already satisfied" and exits 0 without touching
#    anything: every deploy after the first, and every rollback, would silently keep the
#    old code. --force-reinstall replaces the files whatever the version says;
#    --no-deps keeps it from reinstalling every dependency too.
pip_in_venv install --quiet --force-reinstall --no-deps "$wheel"

echo "$CAPTAIN_ACTION: $(basename "$wheel") ($CAPTAIN_VERSION) installed in $venv"
