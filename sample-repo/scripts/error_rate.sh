#!/bin/sh
# Monitor: ERROR_SAMPLES (default 10) requests to /health; exit 0 (OK) while the error rate
# stays under ERROR_THRESHOLD (default 0.2), 1 (ALARM) otherwise; prints the rate.
# Instance: as integration.sh; with CAPTAIN_STAGE but no CAPTAIN_TARGET, every instance of
# the stage. An instance that was never deployed has nothing failing: OK.
exec "${PYTHON:-python3}" "$(dirname "$0")/service_ctl.py" error-rate "$@"
