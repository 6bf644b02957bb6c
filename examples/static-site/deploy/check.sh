#!/bin/sh
# Approval and monitor: serves the target's `current` folder on 127.0.0.1 for the length
# of the check and fetches every page, its links and /version.txt (see check_site.py).
# For a real target, fetch its public address instead, e.g. an http monitor.
exec "${PYTHON:-python3}" "$(dirname "$0")/check_site.py" serve \
    "$CAPTAIN_STATE_DIR/sites/$CAPTAIN_STAGE/$CAPTAIN_TARGET/current"
