# What deploy/backup.sh and deploy/restore.sh share (sourced, not run): options, how Postgres's
# client tools are reached, and the manifest. See docs/operations.md "Backups".

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DUMP_FILE=labfleet.dump
MANIFEST_FILE=manifest.json

die() { # die CODE MESSAGE
  echo "$SCRIPT: $2" >&2
  exit "$1"
}
note() { echo "$SCRIPT: $*" >&2; }

docker() { if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else command docker "$@"; fi; }

# With --compose, the tools of the Compose deployment's postgres service are used (docker compose
# exec, run in the directory of its docker-compose.yml and .env), so their version is the server's.
# COMPOSE overrides the command, e.g. COMPOSE="docker-compose -p labfleet".
COMPOSE_MODE=false
compose() {
  if [ -n "${COMPOSE:-}" ]; then
    # shellcheck disable=SC2086 # COMPOSE is a command line, split on purpose
    $COMPOSE "$@"
  elif docker compose version >/dev/null 2>&1; then
    docker compose "$@"
  else
    docker-compose "$@"
  fi
}

# pg TOOL ARGS...: a Postgres client tool (psql, pg_dump, pg_restore) connected to Labfleet's
# database: DATABASE_URL's, or the Compose postgres service's own database as its superuser.
pg() {
  local tool=$1
  shift
  if $COMPOSE_MODE; then
    # shellcheck disable=SC2016 # expanded by the container's shell
    compose exec -T postgres sh -c 'tool=$1; shift; exec "$tool" -U "$POSTGRES_USER" -d "$POSTGRES_DB" "$@"' sh "$tool" "$@"
  else
    [ -n "${DATABASE_URL:-}" ] || die 2 "set DATABASE_URL (the installation's), or run with --compose in the Compose deployment's directory"
    "$tool" -d "$DATABASE_URL" "$@"
  fi
}

# pg_archive TOOL ARGS... < DUMP: a tool that reads a dump on its standard input and needs no
# database (pg_restore -f -): the host's, or the postgres service's, which wrote the dump.
pg_archive() {
  if $COMPOSE_MODE; then compose exec -T postgres "$@"; else "$@"; fi
}

psql_value() { pg psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

# The LABFLEET_INSTANCE the installation runs with: the environment's, else (Compose) its .env's.
current_instance() {
  local value=${LABFLEET_INSTANCE:-}
  if [ -z "$value" ] && $COMPOSE_MODE && [ -f .env ]; then value=$(sed -n 's/^LABFLEET_INSTANCE=//p' .env | tail -n 1); fi
  echo "${value:-default}"
}

# The migrations recorded in a dump's `migrations` table (TypeORM's), oldest first, one a line.
dump_migrations() { # dump_migrations DUMP
  pg_archive pg_restore --data-only --table=migrations -f - <"$1" |
    awk '/^COPY .*migrations/ { on = 1; next } /^\\\.$/ { on = 0 } on { print $2 "\t" $3 }' | sort -n | cut -f2
}

# manifest_value FILE KEY: a string value of the manifest (written one key a line by backup.sh).
manifest_value() {
  sed -n "s/^  \"$2\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" "$1"
}
