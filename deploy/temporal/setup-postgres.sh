#!/bin/sh
# Temporal's schema job (run by docker-compose.yml in temporalio/admin-tools):
# creates the two databases and their base schema on the first start, then
# brings both schemas up to this admin-tools version on every start
# (update-schema applies only the missing versions), so `docker compose up`
# also upgrades an existing volume after the image tags are raised.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "${DB_PORT:-5432}" "$@"
}
for db in temporal temporal_visibility; do
  # create fails when the database exists: then its base schema is there too.
  # Any other failure makes update-schema below fail, and the job with it.
  if sql --db "$db" create; then
    sql --db "$db" setup-schema -v 0.0
  fi
done
# switchboard's shared store (create fails when it exists; switchboard
# migrates its own schema when it starts).
sql --db switchboard create || true
sql --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
sql --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
echo "temporal schemas are up to date"
