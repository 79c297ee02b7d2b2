#!/usr/bin/env bash
# Restores a backup of deploy/backup.sh into an EMPTY database, then runs the migration step, so a
# backup of an older release comes out on this release's schema. Then start the API and the worker
# with the backup's LABFLEET_INSTANCE: their first reconcile re-adopts the labs still running on the
# engine and marks failed, with the reason, those that are gone (docs/operations.md "Backups").
#
#   DATABASE_URL=postgres://... deploy/restore.sh [--force] [--no-migrate] BACKUP_DIR
#       with this host's pg_restore; the migration is `npm run migrate` from this checkout (built),
#       so the environment is the installation's (the variables `npm run migrate` needs)
#   deploy/restore.sh --compose [--force] [--no-migrate] BACKUP_DIR
#       in the directory of the Compose deployment, with `docker compose up -d postgres` done and the
#       API and worker not started; the migration is `docker compose run --rm migrate`
#
# --force: the database is not empty: drop its schema public (everything Labfleet has there) first.
# --no-migrate: restore only (run the migration step yourself before starting Labfleet).
# Exit codes: 2 bad usage, 3 the database is not empty, 4 the backup is damaged or incomplete.
set -euo pipefail
SCRIPT=restore.sh
# shellcheck source=deploy/backup-lib.sh
. "$(dirname "$0")/backup-lib.sh"

usage() { sed -n '2,16s/^# \{0,1\}//p' "$0"; }
force=false
migrate=true
while [ $# -gt 0 ]; do
  case "$1" in
    --compose) COMPOSE_MODE=true; shift ;;
    --force) force=true; shift ;;
    --no-migrate) migrate=false; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die 2 "unknown option $1" ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || { usage >&2; die 2 "name one BACKUP_DIR"; }
backup=$1
manifest="$backup/$MANIFEST_FILE"
dump="$backup/$DUMP_FILE"

# --- the backup: complete and unchanged ---------------------------------------------------------
[ -f "$manifest" ] && [ -f "$dump" ] || die 4 "$backup is not a Labfleet backup (it needs $MANIFEST_FILE and $DUMP_FILE)"
[ "$(manifest_value "$manifest" format)" = labfleet-backup/1 ] || die 4 "$manifest is not a labfleet-backup/1 manifest"
[ "$(sha256sum "$dump" | cut -d' ' -f1)" = "$(manifest_value "$manifest" dumpSha256)" ] || die 4 "$dump does not match the checksum in $manifest: damaged or replaced"
backup_instance=$(manifest_value "$manifest" instance)
note "backup of LABFLEET_INSTANCE=$backup_instance taken $(manifest_value "$manifest" createdAt), Labfleet $(manifest_value "$manifest" labfleetVersion) ($(manifest_value "$manifest" commit)), schema at $(manifest_value "$manifest" lastMigration)"

# --- the target: empty, or emptied with --force -------------------------------------------------
user_relations="FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
count_relations() { psql_value "SELECT count(*) $user_relations"; }
database=$(psql_value 'SELECT current_database()')
existing=$(count_relations)
if [ "$existing" -gt 0 ]; then
  some=$(psql_value "SELECT string_agg(name, ', ') FROM (SELECT format('%s.%s', n.nspname, c.relname) AS name $user_relations ORDER BY 1 LIMIT 5) s")
  $force || die 3 "database $database is not empty ($existing tables, sequences or views, e.g. $some): restore into an empty database (createdb), or pass --force to drop its schema public first"
  others=$(psql_value "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
  [ "$others" -eq 0 ] || die 3 "database $database has $others other connection(s): stop Labfleet's API and worker before --force"
  note "--force: dropping schema public of database $database ($existing tables, sequences or views, e.g. $some)"
  psql_value 'DROP SCHEMA public CASCADE; CREATE SCHEMA public' >/dev/null
  [ "$(count_relations)" -eq 0 ] || die 3 "database $database still has tables outside schema public: remove them, or restore into an empty database"
fi

# --- restore: all or nothing --------------------------------------------------------------------
# Without owners and privileges: the role restoring owns everything, whatever the old one was called.
restore_args=(--no-owner --no-privileges --exit-on-error --single-transaction)
if $COMPOSE_MODE; then pg pg_restore "${restore_args[@]}" <"$dump"; else pg pg_restore "${restore_args[@]}" "$dump"; fi ||
  die 1 "pg_restore failed; nothing was restored (one transaction): the database is as before"
restored=$(psql_value "SELECT string_agg(name, ',' ORDER BY timestamp) FROM migrations")
[ "$restored" = "$(dump_migrations "$dump" | paste -sd, -)" ] || die 4 "the restored migrations ($restored) are not the dump's"
note "restored into database $database: $(count_relations) tables, sequences and views; $(psql_value 'SELECT count(*) FROM labs') labs, $(psql_value 'SELECT count(*) FROM users') accounts"

# --- migrate: a backup of an older release is upgraded as any installation is ------------------
if $migrate; then
  if $COMPOSE_MODE; then
    compose run --rm migrate >&2 || die 1 "the migration step failed (docker compose run --rm migrate); the restored data is in place"
  else
    (cd "$REPO_ROOT" && npm run --silent migrate) >&2 || die 1 "the migration step failed (npm run migrate, with this installation's environment); the restored data is in place"
  fi
  note "schema now at $(psql_value 'SELECT name FROM migrations ORDER BY timestamp DESC LIMIT 1')"
else
  note "--no-migrate: run the migration step before starting Labfleet"
fi

target_instance=$(current_instance)
if [ "$target_instance" != "$backup_instance" ]; then
  note "WARNING: this installation's LABFLEET_INSTANCE is $target_instance, the backup's $backup_instance: started so, its worker will not see the labs still on the engine (label labfleet.instance=$backup_instance) and will mark them failed; set LABFLEET_INSTANCE=$backup_instance to re-adopt them"
fi
note "done: start the API and the worker with LABFLEET_INSTANCE=$backup_instance"
