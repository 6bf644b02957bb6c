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

if [ ! -d "$venv" ]; then
  # Made aside and renamed when complete, so a deploy cut off halfway starts it again.
  rm -rf "$venv.partial"
  mkdir -p "$target"
  # The venv sees what $python sees (its site-packages come after the venv's own): test
  # tools such as pytest, and dependencies already installed, without a package index.
  # Drop the .pth file below for a venv that holds only what the wheel brings.
  if "$python" -m pip --version >/dev/null 2>&1; then
    "$python" -m venv --without-pip "$venv.partial"   # pip comes from $python, through the .pth file
  else
    "$python" -m venv "$venv.partial"
  fi
  outer=$("$python" -c 'import sys; print("\n".join(p for p in sys.path if p.endswith("-packages")))')
  inner=$("$venv.partial/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
  printf '%s\n' "$outer" > "$inner/_captain_outer.pth"
  mv "$venv.partial" "$venv"
fi

# What the wheel holds: its top-level modules (health.sh imports them), and on stdout
# the dependencies it declares.
requires=$("$venv/bin/python" - "$wheel" "$target/modules" <<'PY'
import sys, zipfile
wheel = zipfile.ZipFile(sys.argv[1])
modules = set()
for entry in wheel.namelist():
    top, _, rest = entry.partition("/")
    if top.endswith((".dist-info", ".data")):
        if top.endswith(".dist-info") and rest == "METADATA":
            metadata = wheel.read(entry).decode("utf-8", "replace")
            print(*[line for line in metadata.splitlines() if line.startswith("Requires-Dist:")])
    elif rest == "__init__.py" or (not rest and top.endswith(".py")):
        modules.add(top.removesuffix(".py"))
with open(sys.argv[2], "w") as out:
    out.write("\n".join(sorted(modules)) + "\n")
PY
)

# --force-reinstall: consecutive commits usually share a version string (0.1.0 until the
# next release), and pip does nothing when "the same version" is already installed, so a
# plain `pip install` would leave the previous commit in place and every rollback would
# silently not happen. --no-deps keeps this step to exactly the wheel's bytes; a wheel
# with dependencies then gets those still missing (from your package index, the first
# time; the venv already sees what python3 has installed).
pip() { "$venv/bin/python" -m pip --quiet --disable-pip-version-check "$@"; }
pip install --force-reinstall --no-deps "$wheel"
if [ -n "$requires" ]; then
  pip install "$wheel"
fi
echo "$CAPTAIN_VERSION" > "$target/version"
echo "$CAPTAIN_ACTION: installed $(basename "$wheel") ($CAPTAIN_VERSION) into $venv"
