#!/bin/sh
# deploy/test.sh: runs this commit's own `npm test`.
#
# $CAPTAIN_CHECKOUT holds exactly the commit's tree and is read-only by convention, so
# the tests run in a copy of it, with the dependencies its lockfile names. They test the
# commit's source, not the unpacked package: to test the package itself, install the
# archive from $CAPTAIN_ARTEFACTS into a scratch project and run your tests there.
set -eu

work="$CAPTAIN_STATE_DIR/targets/$CAPTAIN_STAGE/$CAPTAIN_TARGET/test-run"
rm -rf "$work"
mkdir -p "$work"
cp -R "$CAPTAIN_CHECKOUT/." "$work/"
cd "$work"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
npm test
