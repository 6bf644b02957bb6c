#!/bin/sh
# Stops every sample-service process started under $CAPTAIN_STATE_DIR/services/.
# Usage: stop_all.sh [STATE_DIR]   (default $CAPTAIN_STATE_DIR, else ./.captain)
exec "${PYTHON:-python3}" "$(dirname "$0")/service_ctl.py" stop-all "$@"
