#!/bin/sh
# The confined lab daemon's runtime: runc, once the container's config asks for nothing the lab's
# user namespace cannot grant. sysfs mounts only read-only there (a privileged container asks for
# it writable); and where the lab has no cgroups of its own, containers run without cgroup limits.
bundle=""; cmd=""; prev=""
for a in "$@"; do
  case "$prev" in --bundle|-b) bundle="$a" ;; esac
  case "$a" in create|run) [ -z "$cmd" ] && cmd="$a" ;; esac
  prev="$a"
done
if [ -n "$cmd" ]; then
  config="${bundle:-.}/config.json"
  filter='.mounts |= map(if .type == "sysfs" and ((.options // []) | any(. == "ro") | not) then .options += ["ro"] else . end)'
  [ -w /sys/fs/cgroup/memory ] || [ -w /sys/fs/cgroup/cgroup.procs ] || filter="$filter | del(.linux.cgroupsPath, .linux.resources)"
  jq -c "$filter" "$config" >"$config.tmp" && mv "$config.tmp" "$config"
fi
exec /usr/sbin/runc "$@"
