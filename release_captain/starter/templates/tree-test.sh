#!/bin/sh
# deploy/test.sh: checks that the target holds exactly this commit's tree.
#
# $CAPTAIN_CHECKOUT holds the commit's tree, as git has it; the deployed release must
# match it file for file. This is where your own tests go, run against the deployment:
#   make -C "$CAPTAIN_STATE_DIR/targets/$CAPTAIN_STAGE/$CAPTAIN_TARGET/current" test
set -eu

current="$CAPTAIN_STATE_DIR/targets/$CAPTAIN_STAGE/$CAPTAIN_TARGET/current"
diff -r -q -x .git "$CAPTAIN_CHECKOUT" "$current/"
echo "$CAPTAIN_STAGE/$CAPTAIN_TARGET holds exactly the tree of $CAPTAIN_COMMIT"
