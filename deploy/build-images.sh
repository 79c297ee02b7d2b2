#!/usr/bin/env bash
# Builds Labfleet's images on the local engine: the lab image (DinD) and the API/worker image.
# Base images come from a registry on a real host; on offline machines run
# ../shared/tools/offline-base-images.sh --node --services --course first.
# Idempotent: a second run reuses the build cache. Prints one line per image; build output only on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
docker() { if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else command docker "$@"; fi; }

build() { # build TAG DOCKERFILE CONTEXT
  local log
  log=$(mktemp)
  if ! docker build -t "$1" -f "$2" "$3" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -f "$log"
    echo "build-images.sh: FAILED to build $1" >&2
    exit 1
  fi
  rm -f "$log"
  echo "build-images.sh: built $1 ($(docker image inspect -f '{{.Id}}' "$1" | cut -c8-19))"
}

# Usage: build-images.sh [lab|app]... (default: both)
[ $# -gt 0 ] || set -- lab app
for image in "$@"; do
  case "$image" in
    # The lab image: a private Docker daemon (Docker-in-Docker) with the tools the course uses.
    lab) build labfleet/lab:latest deploy/lab/Dockerfile deploy/lab ;;
    # The application image: API, worker and migrations (context: the repo root, see .dockerignore).
    app) build labfleet/labfleet:latest deploy/Dockerfile . ;;
    *) echo "build-images.sh: unknown image '$image' (lab, app)" >&2; exit 2 ;;
  esac
done
