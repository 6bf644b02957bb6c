#!/bin/sh
# Tears down the preview $CAPTAIN_PREVIEW (what `captain preview --down BRANCH` runs):
# stops its process and removes its folder; a preview that no longer runs is fine.
exec "${PYTHON:-python3}" "$(dirname "$0")/service_ctl.py" unpreview "$@"
