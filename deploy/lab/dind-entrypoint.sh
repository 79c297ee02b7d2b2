#!/bin/sh
# A plain DinD lab node: starts its Docker daemon. LABFLEET_REGISTRY_MIRROR (http://host:port)
# makes the platform's registry this daemon's Docker Hub mirror, so course images pull offline.
set -e
set -- --host=unix:///var/run/docker.sock "$@"
if [ -n "$LABFLEET_REGISTRY_MIRROR" ]; then
  set -- "$@" --registry-mirror="$LABFLEET_REGISTRY_MIRROR" --insecure-registry="${LABFLEET_REGISTRY_MIRROR#*://}"
fi
# The course registry (host:port, plain HTTP on the lab's private network, like the mirror).
if [ -n "${LABFLEET_COURSE_REGISTRY:-}" ]; then
  set -- "$@" --insecure-registry="$LABFLEET_COURSE_REGISTRY"
fi
exec dockerd "$@"
