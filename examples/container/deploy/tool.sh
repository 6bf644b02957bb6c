# Sourced by the other scripts: picks the container tool. $CONTAINER wins (docker or
# podman); else podman when installed, else docker.
CONTAINER=${CONTAINER:-$(command -v podman || command -v docker || true)}
[ -n "$CONTAINER" ] || { echo "neither podman nor docker is installed (or set CONTAINER)" >&2; exit 1; }
IMAGE=${IMAGE:-greeter}
