#!/bin/sh
# Starts the lab's own Docker daemon. LABFLEET_REGISTRY_MIRROR (http://host:port) makes the
# platform's registry this daemon's Docker Hub mirror, so course images pull with no internet.
set -e
# Without --privileged (the "capabilities" profile) cgroup v1 hierarchies are mounted read-only;
# the inner daemon needs them writable to run containers.
if [ -d /sys/fs/cgroup/cpuset ] && ! mkdir /sys/fs/cgroup/cpuset/.labfleet-rw 2>/dev/null; then
  for c in cpu cpuacct cpuset memory devices freezer blkio pids; do
    umount /sys/fs/cgroup/$c 2>/dev/null || true
    mkdir -p /sys/fs/cgroup/$c && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c
  done
  umount /sys/fs/cgroup/systemd 2>/dev/null || true
  mkdir -p /sys/fs/cgroup/systemd && mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
else
  rmdir /sys/fs/cgroup/cpuset/.labfleet-rw 2>/dev/null || true
fi
set -- --host=unix:///var/run/docker.sock "$@"
if [ -n "$LABFLEET_REGISTRY_MIRROR" ]; then
  set -- "$@" --registry-mirror="$LABFLEET_REGISTRY_MIRROR" --insecure-registry="${LABFLEET_REGISTRY_MIRROR#*://}"
fi
exec dockerd "$@"
