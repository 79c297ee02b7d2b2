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
mount -t overlay overlay -o "lowerdir=/lab-root,upperdir=$DISK/.root/upper,workdir=$DISK/.root/work,userxattr" "$ROOT"
mkdir -p "$ROOT/var/lib/docker"
mount --bind "$DISK/docker" "$ROOT/var/lib/docker"
mount -t proc -o nosuid,nodev,noexec proc "$ROOT/proc"
# sysfs may only be mounted as the container's is: read-only.
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$ROOT/sys"
if [ -s "$STATE/cgroups" ]; then
  mount -t tmpfs -o mode=755,nosuid,nodev,noexec cgroup "$ROOT/sys/fs/cgroup"
  while read -r hierarchy leaf; do
    mkdir -p "$ROOT/sys/fs/cgroup/$hierarchy"
    mount --bind "/run/labfleet-cgroup/$hierarchy/$leaf" "$ROOT/sys/fs/cgroup/$hierarchy"
  done <"$STATE/cgroups"
fi
mount --rbind /dev "$ROOT/dev"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$ROOT/dev/pts"
mount --bind "$ROOT/dev/pts/ptmx" "$ROOT/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$ROOT/dev/shm"
mount -t mqueue -o nosuid,nodev,noexec mqueue "$ROOT/dev/mqueue"
mount -t tmpfs -o mode=755,nosuid,nodev run "$ROOT/run"
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
exec tini -s -- dockerd "$@"
