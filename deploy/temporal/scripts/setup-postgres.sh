#!/bin/sh
# Creates Temporal's two databases in PostgreSQL and brings their schemas up to date.
# Runs once per `docker compose up` (temporalio/admin-tools), before the Temporal server starts.
# Idempotent: on an existing database only the missing schema versions are applied.
set -eu

HOST=${POSTGRES_SEEDS:-postgresql}
PORT=${DB_PORT:-5432}
USER=${POSTGRES_USER:-temporal}
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12
export SQL_PASSWORD="${POSTGRES_PWD:-temporal}"

echo "waiting for PostgreSQL on $HOST:$PORT"
nc -z -w 10 "$HOST" "$PORT"

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$HOST" -p "$PORT" -u "$USER" "$@"
}

setup_db() {
  db=$1
  dir=$2
  sql_tool --db "$db" create || echo "database $db already exists"
  # update-schema needs the schema_version table that setup-schema creates; a fresh database has none yet.
  if ! sql_tool --db "$db" update-schema -d "$SCHEMA_DIR/$dir/versioned"; then
    sql_tool --db "$db" setup-schema -v 0.0
    sql_tool --db "$db" update-schema -d "$SCHEMA_DIR/$dir/versioned"
  fi
}

setup_db "${DBNAME:-temporal}" temporal
setup_db "${VISIBILITY_DBNAME:-temporal_visibility}" visibility
echo 'Temporal schema is up to date'
