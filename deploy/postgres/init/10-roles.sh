#!/bin/sh
# Runs once, when the compose PostgreSQL initialises an empty data directory: one login role and
# one database per stateful service, the role owning its database (so its migrations run on the
# first start) and no role able to connect to another's. COSMIC_DB_PASSWORD is the compose
# environment's. docs/postgresql.md has the production roles: an owner for migrations and service
# roles with only the grants their code uses (the audit role: INSERT and SELECT on the events).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v password="$COSMIC_DB_PASSWORD" <<'SQL'
CREATE ROLE cosmic_orchestrator LOGIN PASSWORD :'password';
CREATE ROLE cosmic_notifications LOGIN PASSWORD :'password';
CREATE ROLE cosmic_audit LOGIN PASSWORD :'password';
CREATE DATABASE cosmic_jobs OWNER cosmic_orchestrator;
CREATE DATABASE cosmic_notify OWNER cosmic_notifications;
CREATE DATABASE cosmic_audit OWNER cosmic_audit;
REVOKE CONNECT ON DATABASE cosmic_jobs, cosmic_notify, cosmic_audit FROM PUBLIC;
GRANT CONNECT ON DATABASE cosmic_jobs TO cosmic_orchestrator;
GRANT CONNECT ON DATABASE cosmic_notify TO cosmic_notifications;
GRANT CONNECT ON DATABASE cosmic_audit TO cosmic_audit;
SQL
