#!/bin/sh
# The inner side of a confined lab node: root of the lab's user namespace (host uid 100000), in
# the lab's new namespaces, still on the container's file system. It waits for the lab's network,
# builds the student's root file system (the image's /lab-root under a writable layer on the lab's
# disk, so all the student writes counts against the disk's size), leaves the container's own
# root behind, and starts the lab's Docker daemon.
set -eu
STATE=/run/labfleet
DISK=/lab-disk
ROOT=/lab-disk/.root/merged

read -r _ <"$STATE/net-ready"
. "$STATE/net"
ip -batch - <<EOF
link set lo up
link set eth0 up
addr add $ADDR dev eth0
route add default via $GATEWAY
addr add 169.254.53.2/30 dev dns0
link set dns0 up
EOF

mount --make-rprivate /
mkdir -p "$DISK/docker" "$DISK/.root/upper" "$DISK/.root/work" "$ROOT"
# Every mount of the lab's root in one go (one mount process, not twenty): the image's /lab-root
# under a writable layer on the lab's disk, its Docker data, its own proc, a sysfs read-only as the
# container's is (the only way it may be mounted here), the cgroups delegated to it, a /dev with
# ptys of its own.
fstab="$DISK/.root/fstab"
{
  echo "overlay $ROOT overlay lowerdir=/lab-root,upperdir=$DISK/.root/upper,workdir=$DISK/.root/work,userxattr 0 0"
  echo "$DISK/docker $ROOT/var/lib/docker none bind,X-mount.mkdir 0 0"
  echo "proc $ROOT/proc proc nosuid,nodev,noexec 0 0"
  echo "sysfs $ROOT/sys sysfs ro,nosuid,nodev,noexec 0 0"
  if [ -s "$STATE/cgroups" ]; then
    echo "cgroup $ROOT/sys/fs/cgroup tmpfs mode=755,nosuid,nodev,noexec 0 0"
    while read -r hierarchy leaf; do
      echo "/run/labfleet-cgroup/$hierarchy/$leaf $ROOT/sys/fs/cgroup/$hierarchy none bind,X-mount.mkdir 0 0"
    done <"$STATE/cgroups"
  fi
  echo "/dev $ROOT/dev none rbind 0 0"
  echo "devpts $ROOT/dev/pts devpts newinstance,ptmxmode=0666,mode=620 0 0"
  echo "$ROOT/dev/pts/ptmx $ROOT/dev/ptmx none bind 0 0"
  echo "shm $ROOT/dev/shm tmpfs mode=1777,nosuid,nodev 0 0"
  echo "mqueue $ROOT/dev/mqueue mqueue nosuid,nodev,noexec 0 0"
  echo "run $ROOT/run tmpfs mode=755,nosuid,nodev 0 0"
} >"$fstab"
mount --all --fstab "$fstab"
for f in hosts hostname resolv.conf; do cp "$STATE/$f" "$ROOT/etc/$f"; done
hostname "$(cat "$STATE/hostname")"

cd "$ROOT"
mkdir -p .old-root
pivot_root . .old-root
umount -l /.old-root
rmdir /.old-root
cd /root

# Docker's resolver, reached through the relay, answers from the container's side; its queries
# to the host's resolvers come back out through the lab's interface.
echo 1 >/proc/sys/net/ipv4/ip_forward
# While dockerd starts (iptables waits for its lock): only DNS queries to the Internet need it.
iptables -w -t nat -A POSTROUTING -s 169.254.53.1/32 -o eth0 -j MASQUERADE &

set -- --host=unix:///var/run/docker.sock --add-runtime=lab-runc=/usr/local/bin/lab-runc --default-runtime=lab-runc "$@"
if [ -n "${LABFLEET_REGISTRY_MIRROR:-}" ]; then
  set -- "$@" --registry-mirror="$LABFLEET_REGISTRY_MIRROR" --insecure-registry="${LABFLEET_REGISTRY_MIRROR#*://}"
fi
# The course registry (host:port, plain HTTP on the lab's private network, like the mirror).
if [ -n "${LABFLEET_COURSE_REGISTRY:-}" ]; then
  set -- "$@" --insecure-registry="$LABFLEET_COURSE_REGISTRY"
fi
# Idle labs are most of a host's memory, and most of an idle lab is the Go heaps of dockerd and of
# the containerd it starts (which inherits this): collecting at 25 % growth instead of 100 % keeps
# an idle lab about 4 MiB smaller and starts it as fast (measured: docs/testing.md, bench:density).
export GOGC=25
exec tini -s -- dockerd "$@"
