#!/usr/bin/env bash
# Builds Labfleet's images on the local engine: the lab image (DinD) and the API/worker image.
# Base images come from a registry on a real host; on offline machines run
# ../shared/tools/offline-base-images.sh --node --services --course first.
# Idempotent: a second run reuses the build cache. Prints one line per image; build output only on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
docker() { if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else command docker "$@"; fi; }

build() { # build TAG DOCKERFILE CONTEXT [docker build options]
  local log tag=$1 file=$2 context=$3
  shift 3
  log=$(mktemp)
  if ! docker build -t "$tag" -f "$file" "$@" "$context" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -f "$log"
    echo "build-images.sh: FAILED to build $tag" >&2
    exit 1
  fi
  rm -f "$log"
  echo "build-images.sh: built $tag ($(docker image inspect -f '{{.Id}}' "$tag" | cut -c8-19))"
}

# Usage: build-images.sh [lab|app]... (default: both)
[ $# -gt 0 ] || set -- lab app
for image in "$@"; do
  case "$image" in
    # The lab images (deploy/lab/Dockerfile): the confined lab node (default) and the plain DinD
    # node of the privileged and runtime profiles. The second build reuses the first's layers.
    lab)
      build labfleet/lab:latest deploy/lab/Dockerfile deploy/lab
      build labfleet/lab-dind:latest deploy/lab/Dockerfile deploy/lab --target dind
      ;;
    # The application image: API, worker and migrations (context: the repo root, see .dockerignore).
    app) build labfleet/labfleet:latest deploy/Dockerfile . ;;
    *) echo "build-images.sh: unknown image '$image' (lab, app)" >&2; exit 2 ;;
  esac
done
