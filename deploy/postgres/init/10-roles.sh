#!/bin/sh
# Runs once, when the compose PostgreSQL initialises an empty data directory: one login role per
# stateful service, each with its own schema (its search_path), so a service can read and write
# only its own tables. COSMIC_DB_PASSWORD is the compose environment's. docs/database.md describes
# the tighter production roles (the audit role: INSERT and SELECT only).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v password="$COSMIC_DB_PASSWORD" <<'SQL'
REVOKE ALL ON SCHEMA public FROM PUBLIC;
CREATE ROLE cosmic_orchestrator LOGIN PASSWORD :'password';
CREATE ROLE cosmic_notifications LOGIN PASSWORD :'password';
CREATE ROLE cosmic_audit LOGIN PASSWORD :'password';
CREATE SCHEMA orchestrator AUTHORIZATION cosmic_orchestrator;
CREATE SCHEMA notifications AUTHORIZATION cosmic_notifications;
CREATE SCHEMA audit AUTHORIZATION cosmic_audit;
ALTER ROLE cosmic_orchestrator SET search_path = orchestrator;
ALTER ROLE cosmic_notifications SET search_path = notifications;
ALTER ROLE cosmic_audit SET search_path = audit;
SQL
