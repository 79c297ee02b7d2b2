#!/bin/sh
# Runs a command inside a confined lab: as root of the lab's user namespace, in all its
# namespaces, in /root. Every command Labfleet runs in a lab (exec, terminal, files, ports) comes
# through here, so none of them runs with the container's own (host) root.
state=/run/labfleet/lab.pid
for _ in $(seq 3000); do [ -s "$state" ] && break; sleep 0.01; done
read -r lab <"$state" || { echo "lab-enter: the lab has not started" >&2; exit 125; }
exec nsenter --target "$lab" --user --mount --net --pid --uts --ipc --cgroup --wdns=/root -- "$@"
