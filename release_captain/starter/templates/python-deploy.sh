#!/bin/sh
# deploy/deploy.sh: installs this version's wheel on one target ($CAPTAIN_STAGE/$CAPTAIN_TARGET).
#
# Here a target is a virtualenv under the state directory, so the pipeline runs on this
# machine as written. For a real target, replace the body: copy the wheel to a host and
# install it there, push it to a package index, build an image from it, ... The captain
# runs this script for a deploy (CAPTAIN_ACTION=deploy) and for a rollback
# (CAPTAIN_ACTION=rollback, with an older version's wheel), and again after a crash cut
# it off: whatever it does must be safe to repeat.
set -eu

target="$CAPTAIN_STATE_DIR/targets/$CAPTAIN_STAGE/$CAPTAIN_TARGET"
venv="$target/venv"
python="${PYTHON:-python3}"

set -- "$CAPTAIN_ARTEFACTS"/*.whl
if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then
  echo "expected exactly one wheel in $CAPTAIN_ARTEFACTS" >&2
  exit 1
fi
wheel="$1"

if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$target"
  # The venv sees what $python sees (its site-packages come after the venv's own): test
  # tools such as pytest, and dependencies already installed, without a package index.
  # Drop the .pth file below for a venv that holds only what the wheel brings.
  if "$python" -m pip --version >/dev/null 2>&1; then
    "$python" -m venv --without-pip "$venv"   # pip comes from $python, through the .pth file
  else
    "$python" -m venv "$venv"
  fi
  outer=$("$python" -c 'import site, sys; print("\n".join(p for p in sys.path if p.endswith("-packages")))')
  inner=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
  printf '%s\n' "$outer" > "$inner/_captain_outer.pth"
fi

# --force-reinstall: consecutive commits usually share a version string (0.1.0 until the
# next release), and pip does nothing when "the same version" is already installed, so a
# plain `pip install` would leave the previous commit in place and every rollback would
# silently not happen. --no-deps keeps this step to exactly the wheel's bytes; the next
# line then installs whatever dependencies it declares that are still missing (it needs
# a package index only when one is missing).
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"

# What health.sh checks: the modules the wheel installs, and the version it runs.
"$venv/bin/python" - "$wheel" > "$target/modules" <<'PY'
import sys, zipfile
names = set()
for entry in zipfile.ZipFile(sys.argv[1]).namelist():
    top = entry.split("/")[0]
    if ".dist-info" in top or ".data" in top:
        continue
    if "/" in entry and entry.endswith("/__init__.py") and entry.count("/") == 1:
        names.add(top)
    elif "/" not in entry and entry.endswith(".py"):
        names.add(entry[:-3])
print("\n".join(sorted(names)))
PY
echo "$CAPTAIN_VERSION" > "$target/version"
echo "$CAPTAIN_ACTION: installed $(basename "$wheel") ($CAPTAIN_VERSION) into $venv"
