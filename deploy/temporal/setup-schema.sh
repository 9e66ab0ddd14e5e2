#!/bin/sh
# Creates Temporal's two PostgreSQL databases and sets up their schemas at the release's versions
# (run by temporalio/admin-tools; the same steps as `npm run cluster`, src/cluster/stack.ts).
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"; }
sql --db temporal create-database || true
sql --db temporal setup-schema --schema-name postgresql/v12/temporal --version 1.19 || true
sql --db temporal_visibility create-database || true
sql --db temporal_visibility setup-schema --schema-name postgresql/v12/visibility --version 1.14 || true
