#!/usr/bin/env bash
# Backs up what Labfleet owns: its Postgres database (pg_dump --format=custom: one consistent
# snapshot, taken while Labfleet runs) and a manifest (version, commit, schema migrations, time,
# LABFLEET_INSTANCE), in one directory. Redis is not backed up: docs/operations.md "Backups" says
# what it holds and why losing it is safe. Restore with deploy/restore.sh.
#
#   DATABASE_URL=postgres://... LABFLEET_INSTANCE=... deploy/backup.sh [PARENT_DIR]
#       with this host's pg_dump (its major version at least the server's)
#   deploy/backup.sh --compose [PARENT_DIR]
#       in the directory of the Compose deployment (docker-compose.yml, .env): the postgres service's tools
#
# Writes PARENT_DIR/labfleet-backup-<instance>-<UTC time>/ (PARENT_DIR: .) with labfleet.dump and
# manifest.json, and prints that directory's path on the last line. A failed run leaves no
# directory of that name (it is written as .partial, then renamed).
set -euo pipefail
SCRIPT=backup.sh
# shellcheck source=deploy/backup-lib.sh
. "$(dirname "$0")/backup-lib.sh"

usage() { sed -n '2,15s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --compose) COMPOSE_MODE=true; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die 2 "unknown option $1" ;;
    *) break ;;
  esac
done
[ $# -le 1 ] || { usage >&2; die 2 "one PARENT_DIR at most"; }
parent=${1:-.}
[ -d "$parent" ] || die 2 "$parent is not a directory"

instance=$(current_instance)
created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
dir="$parent/labfleet-backup-$instance-$(date -u -d "$created_at" +%Y%m%dT%H%M%SZ)"
[ ! -e "$dir" ] || die 1 "$dir exists already"
partial="$dir.partial"
rm -rf "$partial"
mkdir "$partial"
trap 'rm -rf "$partial"' EXIT

server=$(psql_value 'SHOW server_version')
# Owners and privileges are kept in the dump; restore.sh leaves them out (the new installation's
# role owns everything), so one dump restores under any role name.
pg pg_dump --format=custom >"$partial/$DUMP_FILE"
mapfile -t migrations < <(dump_migrations "$partial/$DUMP_FILE")
[ ${#migrations[@]} -gt 0 ] || die 1 "the database has no applied Labfleet migrations (no rows in table migrations): is this Labfleet's database?"

version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$REPO_ROOT/package.json")
commit=$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
image=""
if $COMPOSE_MODE; then image=$(docker image inspect -f '{{.Id}}' "${LABFLEET_IMAGE:-labfleet/labfleet:latest}" 2>/dev/null || true); fi
sha=$(sha256sum "$partial/$DUMP_FILE" | cut -d' ' -f1)
bytes=$(stat -c %s "$partial/$DUMP_FILE")
list=$(printf '"%s", ' "${migrations[@]}")

# One key a line, values without quotes or backslashes: restore.sh reads it with sed, no jq needed.
cat >"$partial/$MANIFEST_FILE" <<EOF
{
  "format": "labfleet-backup/1",
  "createdAt": "$created_at",
  "labfleetVersion": "$version",
  "commit": "$commit",
  "appImage": "$image",
  "instance": "$instance",
  "postgresServerVersion": "$server",
  "lastMigration": "${migrations[-1]}",
  "migrations": [${list%, }],
  "dumpFile": "$DUMP_FILE",
  "dumpSha256": "$sha",
  "dumpBytes": $bytes,
  "notIncluded": "Redis (job queues, metric counters, rate limits, one-time tickets): see docs/operations.md, Backups"
}
EOF
mv "$partial" "$dir"
trap - EXIT
note "backed up $(psql_value "SELECT current_database()") ($bytes bytes, ${#migrations[@]} migrations, last ${migrations[-1]}) of LABFLEET_INSTANCE=$instance"
echo "$dir"
