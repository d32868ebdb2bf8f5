#!/usr/bin/env bash
# Makes sure a PostgreSQL server runs on this machine and prints a URL for
# the tests' admin role on stdout (nothing else goes to stdout; progress
# goes to stderr):
#
#   export ACHIEVEMENTS_TEST_POSTGRES=$(scripts/postgres.sh)
#
# - ACHIEVEMENTS_TEST_POSTGRES already set and answering: printed as is.
# - A local server already answering for the role: its URL, at once.
# - Otherwise (as root, as here and in CI): installs PostgreSQL if missing
#   (apt-get), creates or starts the first cluster (pg_lsclusters,
#   pg_ctlcluster), creates the role `achievements` (LOGIN CREATEDB, a
#   password only this throwaway test role uses), raises max_connections
#   so parallel tests with their own pools fit, and prints
#   postgres://achievements:achievements@127.0.0.1:PORT/postgres.
#
# Idempotent: running it again changes nothing. The tests make a database
# of their own per test from this URL (testkit's TestPostgres) and drop it.
set -euo pipefail

ROLE=achievements
PASSWORD=achievements
# Each test opens a pool to its own database; cargo runs tests in parallel.
MAX_CONNECTIONS=300

log() { echo "postgres.sh: $*" >&2; }
answers() { PGCONNECT_TIMEOUT=3 psql "$1" -XAtqc 'SELECT 1' >/dev/null 2>&1; }
url_for_port() { echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$1/postgres"; }
as_postgres() { runuser -u postgres -- "$@"; }

if [ -n "${ACHIEVEMENTS_TEST_POSTGRES:-}" ]; then
    if command -v psql >/dev/null && answers "$ACHIEVEMENTS_TEST_POSTGRES"; then
        echo "$ACHIEVEMENTS_TEST_POSTGRES"
        exit 0
    fi
    log "ACHIEVEMENTS_TEST_POSTGRES is set but does not answer: using a local server instead"
fi

first_cluster() { pg_lsclusters --no-header 2>/dev/null | head -n 1; }

# Fast path: the local cluster is up and the role exists.
if command -v pg_lsclusters >/dev/null; then
    read -r version name port status _ <<<"$(first_cluster)" || true
    if [ "${status:-}" = online ] && answers "$(url_for_port "$port")"; then
        url_for_port "$port"
        exit 0
    fi
fi

if [ "$(id -u)" -ne 0 ]; then
    log "PostgreSQL is not running (or has no role $ROLE) and setting it up needs root: run this as root, or set ACHIEVEMENTS_TEST_POSTGRES"
    exit 1
fi

if ! command -v pg_lsclusters >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing PostgreSQL (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q postgresql >&2 || { apt-get update -q >&2 && apt-get install -y -q postgresql >&2; }
fi

if [ -z "$(first_cluster)" ]; then
    newest=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    log "creating cluster $newest/main"
    pg_createcluster "$newest" main >&2
fi
read -r version name port status _ <<<"$(first_cluster)"

if [ "$status" != online ]; then
    log "starting cluster $version/$name on port $port"
    pg_ctlcluster "$version" "$name" start >&2
fi
for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$port" || { log "cluster $version/$name does not answer on port $port"; exit 1; }

log "making role $ROLE (LOGIN CREATEDB)"
as_postgres psql -XAtq -p "$port" -v ON_ERROR_STOP=1 >&2 <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
        CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
    ELSE
        ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
    END IF;
END
\$\$;
SQL

current=$(as_postgres psql -XAtq -p "$port" -c 'SHOW max_connections')
if [ "$current" -lt "$MAX_CONNECTIONS" ]; then
    log "raising max_connections from $current to $MAX_CONNECTIONS (restarts the cluster)"
    as_postgres psql -XAtq -p "$port" -c "ALTER SYSTEM SET max_connections = $MAX_CONNECTIONS" >&2
    pg_ctlcluster "$version" "$name" restart >&2
    for _ in $(seq 1 60); do
        pg_isready -q -h 127.0.0.1 -p "$port" && break
        sleep 0.5
    done
fi

url=$(url_for_port "$port")
answers "$url" || { log "the role $ROLE cannot log in over TCP at 127.0.0.1:$port (check pg_hba.conf)"; exit 1; }
echo "$url"
