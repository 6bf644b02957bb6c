#!/bin/sh
# Monitor: exit 0 when /health of the instance answers 200 within 500 ms, else 1.
# Usage: health.sh [STAGE TARGET [ONEBOX]] | health.sh PORT   (default: the CAPTAIN_* variables)
exec "${PYTHON:-python3}" "$(dirname "$0")/service_ctl.py" health "$@"
