#!/usr/bin/env bash
# Check (run by .ci/run) that docker/postgres/init.sh sets up the database the way the app
# expects, the same way src/database/provision-database.ts does for the embedded default and the
# tests: it runs the script against a throwaway database on the local PostgreSQL, applies every
# migration as app_owner, then checks what app_runtime may and may not do.
# Needs: psql (15+), the built app (dist/), an administrative DATABASE_URL (trust or password).
set -euo pipefail
cd "$(dirname "$0")/.."

admin_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# Role names are cluster-wide: use the test suite's role passwords, so that running this beside
# the tests changes nothing for them.
export APP_OWNER_DB_PASSWORD="test-owner-password"
export APP_RUNTIME_DB_PASSWORD="test-runtime-password"
export APP_DB_NAME="ci_compose_init_$$"
eval "$(node -e '
  const u = new URL(process.argv[1]);
  const q = (v) => "\x27" + decodeURIComponent(v).replace(/\x27/g, "\x27\\\x27\x27") + "\x27";
  console.log(`export PGHOST=${q(u.hostname)} PGPORT=${q(u.port || "5432")} POSTGRES_USER=${q(u.username || "postgres")} PGPASSWORD=${q(u.password)}`);
' "$admin_url")"
base="postgres://${PGHOST}:${PGPORT}/${APP_DB_NAME}"
owner_url="postgres://app_owner:${APP_OWNER_DB_PASSWORD}@${PGHOST}:${PGPORT}/${APP_DB_NAME}"
runtime_url="postgres://app_runtime:${APP_RUNTIME_DB_PASSWORD}@${PGHOST}:${PGPORT}/${APP_DB_NAME}"

cleanup() {
  psql -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "DROP DATABASE IF EXISTS ${APP_DB_NAME} WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT

fail() {
  echo "check-postgres-init: $*" >&2
  exit 1
}
as_runtime() { PGPASSWORD="$APP_RUNTIME_DB_PASSWORD" psql -X -q -t -A -v ON_ERROR_STOP=1 "$runtime_url" "$@"; }
as_owner() { PGPASSWORD="$APP_OWNER_DB_PASSWORD" psql -X -q -t -A -v ON_ERROR_STOP=1 "$owner_url" "$@"; }

bash docker/postgres/init.sh >/dev/null
node -e 'require("./dist/src/database/migrate").runMigrations(process.argv[1]).then((m) => console.log(`migrations applied as app_owner: ${m.length}`))' "$owner_url"

[[ "$(as_owner -c "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'")" == "app_owner" ]] ||
  fail "the public schema is not owned by app_owner"
[[ "$(as_owner -c "SELECT has_database_privilege('public', current_database(), 'CONNECT')")" == "f" ]] ||
  fail "PUBLIC may still connect to the database"
as_owner -c "CREATE TABLE ci_probe (id int PRIMARY KEY)" >/dev/null
as_runtime -c "INSERT INTO ci_probe VALUES (1)" -c "SELECT count(*) FROM ci_probe" >/dev/null ||
  fail "app_runtime cannot read and write a table the owner created"
if as_runtime -c "CREATE TABLE ci_forbidden (id int)" >/dev/null 2>&1; then
  fail "app_runtime can create tables"
fi
if as_runtime -c "DROP TABLE ci_probe" >/dev/null 2>&1; then
  fail "app_runtime can drop the owner's tables"
fi
[[ "$(as_runtime -c "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = current_user")" == "f" ]] ||
  fail "app_runtime holds administrative attributes"
[[ "$(as_runtime -c "SHOW idle_in_transaction_session_timeout")" == "1min" ]] ||
  fail "app_runtime sessions idle in a transaction are not ended (the audit sealer waits for them)"
echo "check-postgres-init: init.sh gives app_owner the schema and app_runtime DML only: ok (${base})"
