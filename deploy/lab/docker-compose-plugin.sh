#!/bin/sh
# Docker CLI plugin: `docker compose ...` runs Compose 1.29 (`docker-compose ...`).
if [ "$1" = docker-cli-plugin-metadata ]; then
  echo '{"SchemaVersion":"0.1.0","Vendor":"Labfleet","Version":"1.29.2","ShortDescription":"Docker Compose"}'
  exit 0
fi
shift # the CLI passes the plugin name first
exec docker-compose "$@"
