#!/bin/sh
# deploy/test.sh: runs this commit's own tests against the wheel installed on the target.
#
# $CAPTAIN_CHECKOUT holds exactly the commit's tree (read-only by convention). The tests
# run from there, but import the project from the target's venv, not from the checkout's
# source: pytest in importlib mode from inside the tests folder keeps the checkout's root
# off sys.path. pytest runs unittest-style tests too; it comes from the python3 that made
# the venv (see deploy.sh), or is installed into the venv once from your package index.
# A project whose tests need more (test extras, fixtures, services) installs them here:
#   "$venv/bin/python" -m pip install --quiet -r "$CAPTAIN_CHECKOUT/requirements-test.txt"
set -eu

target="$CAPTAIN_STATE_DIR/targets/$CAPTAIN_STAGE/$CAPTAIN_TARGET"
venv="$target/venv"
python="$venv/bin/python"

tests=""
for folder in tests test; do
  if [ -d "$CAPTAIN_CHECKOUT/$folder" ]; then
    tests="$CAPTAIN_CHECKOUT/$folder"
    break
  fi
done
if [ -z "$tests" ]; then
  echo "this commit has no tests/ folder: checking that the installed wheel imports instead"
  exec "$CAPTAIN_PIPELINE_DIR/deploy/health.sh"
fi

export PYTHONDONTWRITEBYTECODE=1   # write nothing into the checkout
if ! "$python" -c "import pytest" 2>/dev/null; then
  echo "installing pytest into $venv"
  "$python" -m pip install --quiet --disable-pip-version-check pytest || {
    echo "pytest is neither installed beside python3 nor installable here: install it for python3" >&2
    exit 1
  }
fi
cd "$tests"
exec "$python" -m pytest -p no:cacheprovider --import-mode=importlib -q "$tests"
