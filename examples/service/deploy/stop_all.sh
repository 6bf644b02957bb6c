#!/bin/sh
# Stops every instance the recipe started under the state directory (default ./.captain).
# Deployed services keep running after `captain run` ends, as real ones do; this ends them.
exec "${PYTHON:-python3}" "$(dirname "$0")/service.py" stop-all "$@"
