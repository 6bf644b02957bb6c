#!/bin/sh
# Monitor (during a bake): the installed package imports and answers. Exit 0 = OK, else
# ALARM. A real monitor would look at the running application: its error rate, its logs.
set -eu
venv="$CAPTAIN_STATE_DIR/venvs/$CAPTAIN_STAGE/$CAPTAIN_TARGET"
exec "$venv/bin/python" -c 'import greeter; assert greeter.greet("smoke") == "Hello, smoke!"'
