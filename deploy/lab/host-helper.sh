#!/bin/sh
# Labfleet's hands on a lab host, for what the engine's API cannot do. It runs in one privileged
# container per engine, in the host's pid and network namespaces, with the disk directory bound
# at the same path; Labfleet runs it with `docker exec`. Nothing of a lab's runs here.
#
#   labfleet-host probe                  cgroup version and v1 hierarchies of the host
#   labfleet-host firewall CIDR          labs in CIDR cannot open connections to the host itself
#   labfleet-host disk DIR MB UID NAME.. for each NAME a file system image of MB MiB (root owned
#                                        by UID) mounted at DIR/NAME in the engine's mount
#                                        namespace; idempotent
#   labfleet-host disks DIR              names of the disks in DIR
#   labfleet-host release DIR LAB CGROUP unmounts and deletes the disks DIR/LAB-*, removes the
#                                        cgroups CGROUP/LAB of every hierarchy
#   labfleet-host forget DIR CGROUP      the same for every lab, then DIR and CGROUP themselves (an
#                                        installation removed for good; its labs must be gone)
set -eu
fail() { echo "labfleet-host: $*" >&2; exit 1; }

# The engine's dockerd: the oldest process named dockerd in our pid namespace, the host's (a lab's
# own dockerd is in the lab's; other processes of that name come and go: the oldest is the daemon).
engine_pid() {
  host=$(readlink /proc/self/ns/pid)
  engine=1 oldest=
  for p in /proc/[0-9]*; do
    read -r comm <"$p/comm" 2>/dev/null || continue # a builtin: hundreds of processes, no fork each
    [ "$comm" = dockerd ] && [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$host" ] || continue
    read -r stat <"$p/stat" 2>/dev/null || continue
    # shellcheck disable=SC2086
    set -- ${stat##*) } # the fields after the name; the 20th is the start time
    if [ -z "$oldest" ] || [ "${20}" -lt "$oldest" ]; then oldest=${20} engine=${p#/proc/}; fi
  done
  echo "$engine"
}

# Runs a command of this container's in the engine's mount namespace: paths under /proc/PID/root
# are the engine's, the binaries are ours (the host may have neither mkfs nor util-linux).
# (--no-canonicalize: mount and umount must not resolve those paths through our own root.)
in_engine() { nsenter --target "$engine" --mount --root=/ -- "$@"; }

mounted() { awk -v t="$1" '$5 == t { found = 1 } END { exit !found }' "/proc/$engine/mountinfo"; }

# Device nodes for every loop device the kernel has and a few more (this container's /dev is a
# copy made when it started; mount finds a free one through /dev/loop-control).
loop_nodes() {
  count=$(ls /sys/block | grep -c '^loop' || true)
  i=0
  while [ "$i" -le $((count + 8)) ]; do
    [ -b "/dev/loop$i" ] || mknod "/dev/loop$i" b 7 "$i"
    i=$((i + 1))
  done
}

engine=$(engine_pid)
# The host's cgroups (a privileged container sees only its own cgroup of each hierarchy).
cgroups=/proc/$engine/root/sys/fs/cgroup
make_disk() { # DIR NAME MB UID
  dir=$1 name=$2
  mounted "$dir/$name" && return 0
  mkdir -p "$dir/$name"
  if [ ! -f "$dir/$name.img" ]; then
    truncate -s "${3}M" "$dir/$name.img.new"
    mkfs.ext4 -q -F -m 0 -E "lazy_itable_init=1,lazy_journal_init=1,root_owner=$4:$4" "$dir/$name.img.new"
    mv "$dir/$name.img.new" "$dir/$name.img"
  fi
  loop_nodes
  # -o loop attaches the image to a loop device that frees itself when the file system is
  # unmounted everywhere (also when the engine's mount namespace goes: a DinD node removed).
  # noinit_itable: a lab's disk is thrown away with it, so the kernel need not zero its inode
  # tables in the background (hundreds of MB written, on the host's disk, as each lab starts).
  in_engine mount --no-canonicalize -t ext4 -o loop,nosuid,nodev,noinit_itable "/proc/$engine/root$dir/$name.img" "/proc/$engine/root$dir/$name" ||
    fail "cannot mount $dir/$name"
}

release() { # DIR LAB CGROUP
  dir=$1 lab=$2 cgroup=$3
  for img in "$dir/$lab"-*.img; do
    [ -f "$img" ] || continue
    name=$(basename "$img" .img)
    if mounted "$dir/$name"; then in_engine umount --no-canonicalize "/proc/$engine/root$dir/$name"; fi
    # Loop devices free themselves once unmounted; one attached some other way is detached here.
    for dev in $(losetup --associated "$img" | cut -d: -f1); do losetup --detach "$dev" 2>/dev/null || true; done
    rm -f "$img"
    rmdir "$dir/$name" 2>/dev/null || true
  done
  for h in "$cgroups"/*/; do
    [ -d "$h$cgroup/$lab" ] || continue
    find "$h$cgroup/$lab" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

case "${1:-}" in
  probe)
    if [ -f "$cgroups/cgroup.controllers" ]; then echo "cgroup=2"; else echo "cgroup=1"; fi
    # v1 hierarchies only (they have `tasks`): a hybrid host's cgroup2 at unified/ is not delegated.
    for h in "$cgroups"/*; do [ -f "$h/tasks" ] && [ ! -L "$h" ] || continue; printf '%s ' "${h##*/}"; done
    echo
    ;;
  firewall)
    rule="INPUT -s $2 -m conntrack ! --ctstate ESTABLISHED,RELATED -j DROP"
    # shellcheck disable=SC2086
    iptables -C $rule 2>/dev/null || iptables -I $rule
    ;;
  disk)
    dir=$2 mb=$3 owner=$4
    shift 4
    for name in "$@"; do make_disk "$dir" "$name" "$mb" "$owner"; done
    ;;
  disks)
    for f in "$2"/*.img; do [ -f "$f" ] || continue; basename "$f" .img; done
    ;;
  release)
    release "$2" "$3" "$4"
    ;;
  forget)
    for img in "$2"/*.img; do [ -f "$img" ] || continue; name=$(basename "$img" .img); release "$2" "${name%-*}" "$3"; done
    rmdir "$2" 2>/dev/null || true
    for h in "$cgroups"/*/; do
      [ -d "$h$3" ] || continue
      find "$h$3" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
    ;;
  *) fail "unknown command '${1:-}'" ;;
esac
