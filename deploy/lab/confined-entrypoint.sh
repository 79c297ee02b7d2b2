#!/bin/sh
# The outer side of a confined lab node (LAB_SECURITY_PROFILE=confined). It runs as the container's
# root: host root, but with only the capabilities Labfleet grants the container. It never runs
# anything the student wrote: the student's files are under /lab-root and /lab-disk, and this side
# only reads its own (root-owned) scripts and tools.
#
# It makes the lab's namespaces (user, mount, pid, network, uts, ipc, cgroup), in which uid 0 is
# host uid 100000: root in the lab, an unprivileged user to the host kernel. It hands them the
# container's network interface (the lab keeps its address), its cgroups (delegated, so the lab's
# Docker daemon can limit its own containers), a DNS relay, and then waits; lab-init does the rest
# inside. Commands reach the lab through lab-enter.
set -eu
SHIFT=100000
RANGE=65536
STATE=/run/labfleet       # outer only: the lab never sees it
DISK=/lab-disk            # the lab's writable disk: a capped file system image, or a volume
CGROUPS=/run/labfleet-cgroup  # the container's cgroup parent in each hierarchy, bound in by Labfleet
DNS_OUTER=169.254.53.1    # a link of the lab's own, for DNS only
DNS_INNER=169.254.53.2

fail() { echo "lab-entrypoint: $*" >&2; exit 1; }

# CAP_SYS_ADMIN (bit 21) in the container's bounding set: a privileged container, which this
# image is not made for (it would give the student nothing less than host root anyway).
[ $((0x$(awk '/^CapBnd/ { print $2 }' /proc/self/status) >> 21 & 1)) = 0 ] ||
  fail "this is the confined lab image; with LAB_SECURITY_PROFILE=privileged or runtime, run labfleet/lab-dind"

rm -rf "$STATE" && mkdir -p "$STATE"
addr=$(ip -4 -o addr show dev eth0 | awk '{print $4; exit}')
gateway=$(ip -4 route show default | awk '{print $3; exit}')
[ -n "$addr" ] && [ -n "$gateway" ] || fail "the container has no IPv4 address and default route on eth0"
printf 'ADDR=%s\nGATEWAY=%s\n' "$addr" "$gateway" >"$STATE/net"
cp /etc/hosts "$STATE/hosts"
hostname >"$STATE/hostname"
# Docker's resolver (127.0.0.11) answers in this network namespace only; the lab asks the relay.
sed "s/^nameserver 127\.0\.0\.11\$/nameserver $DNS_OUTER/" /etc/resolv.conf >"$STATE/resolv.conf"
chown "$SHIFT:$SHIFT" "$DISK"

# cgroup v1: in each hierarchy the container's own cgroup (named by its id) becomes the lab's. Its
# limit files stay the host's: the lab can make child cgroups under it, never raise its own limits.
: >"$STATE/cgroups"
if [ -d "$CGROUPS" ]; then
  # "<hierarchy> <leaf>" for each hierarchy bound in (/proc/self/cgroup names systemd's name=systemd).
  ls "$CGROUPS" | awk -F: 'NR == FNR { bound[$0] = 1; next } { h = $2; sub(/^name=/, "", h); n = split($3, p, "/"); if (h in bound) print h, p[n] }' - /proc/self/cgroup >"$STATE/cgroups"
  [ "$(wc -l <"$STATE/cgroups")" -eq "$(ls "$CGROUPS" | wc -l)" ] || fail "the container's cgroups are not all under $CGROUPS"
  # shellcheck disable=SC2046
  chown "$SHIFT:$SHIFT" $(awk -v d="$CGROUPS" '{ c = d "/" $1 "/" $2; print c, c "/cgroup.procs", c "/tasks" }' "$STATE/cgroups")
fi

mkfifo "$STATE/net-ready"
unshare --map-users="$SHIFT,0,$RANGE" --map-groups="$SHIFT,0,$RANGE" --setuid 0 --setgid 0 \
  --user --mount --pid --net --uts --ipc --cgroup --fork --kill-child -- /usr/local/sbin/lab-init "$@" &
ns=$!
# The lab's first process: unshare's child in the new user namespace (its other child, for a
# moment, is the helper that writes the uid map, still in ours).
ours=$(readlink /proc/self/ns/user)
lab=
while [ -z "$lab" ]; do
  kill -0 "$ns" 2>/dev/null || fail "the lab's namespaces could not be made (user namespaces must be enabled on the host)"
  for child in $(cat "/proc/$ns/task/$ns/children" 2>/dev/null); do
    user=$(readlink "/proc/$child/ns/user" 2>/dev/null) && [ "$user" != "$ours" ] && lab=$child
  done
  [ -n "$lab" ] || sleep 0.005
done
# The lab's interface moves in; this side keeps a link for DNS, named eth0 so the engine's
# statistics of the container keep working. onlink: the lab brings its end up a moment later,
# until then the kernel would refuse the hop.
ip -batch - <<EOF
link set eth0 netns $lab
link add eth0 type veth peer name dns0 netns $lab
addr add $DNS_OUTER/30 dev eth0
link set eth0 up
route add default via $DNS_INNER dev eth0 onlink
EOF
echo "$lab" >"$STATE/lab.pid"
echo ready >"$STATE/net-ready"
socat -T5 UDP4-RECVFROM:53,bind="$DNS_OUTER",fork UDP4-SENDTO:127.0.0.11:53 &
socat TCP4-LISTEN:53,bind="$DNS_OUTER",fork,reuseaddr TCP4:127.0.0.11:53 &
wait "$ns"
