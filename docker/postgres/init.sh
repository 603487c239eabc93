#!/usr/bin/env bash
# Runs once, as the superuser, when the postgres container starts on an empty data volume
# (/docker-entrypoint-initdb.d). It sets up the same two roles as the embedded development
# database and the test suite (src/database/provision-database.ts):
# - app_owner   owns the `app` database and its public schema; runs the migrations;
# - app_runtime what the api connects as: CONNECT/TEMPORARY on the database, and only the table
#               privileges the migrations grant it (least privilege, OWASP ASVS V14).
# Passwords come from the container environment (docker-compose.yml, from .env) and are read
# with psql's \getenv, so they appear neither in this file nor on a command line.
set -euo pipefail

: "${APP_OWNER_DB_PASSWORD:?APP_OWNER_DB_PASSWORD is required}"
: "${APP_RUNTIME_DB_PASSWORD:?APP_RUNTIME_DB_PASSWORD is required}"
APP_DB_NAME="${APP_DB_NAME:-app}"
if [[ ! "$APP_DB_NAME" =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
  echo "init.sh: invalid APP_DB_NAME" >&2
  exit 1
fi

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v app_db="$APP_DB_NAME" <<'SQL'
\getenv owner_password APP_OWNER_DB_PASSWORD
\getenv runtime_password APP_RUNTIME_DB_PASSWORD
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_owner') AS create_owner \gset
\if :create_owner
  CREATE ROLE app_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
\endif
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_runtime') AS create_runtime \gset
\if :create_runtime
  CREATE ROLE app_runtime LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
\endif
ALTER ROLE app_owner WITH LOGIN PASSWORD :'owner_password';
ALTER ROLE app_runtime WITH LOGIN PASSWORD :'runtime_password';
SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'app_db') AS create_db \gset
\if :create_db
  CREATE DATABASE :"app_db" OWNER app_owner;
\endif
REVOKE ALL ON DATABASE :"app_db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"app_db" TO app_runtime;
-- The audit sealer links entries up to the oldest open write transaction (docs/audit.md): a
-- session of the app left idle inside a transaction must not hold it back for long.
ALTER ROLE app_runtime IN DATABASE :"app_db" SET idle_in_transaction_session_timeout = '60s';
\connect :"app_db"
-- The public schema belongs to the owner so that migrations can manage it; nobody else creates.
ALTER SCHEMA public OWNER TO app_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
echo "init.sh: roles app_owner and app_runtime ready on database ${APP_DB_NAME}"
