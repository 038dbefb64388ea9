#!/usr/bin/env bash
# The issue-3 benchmark: a release build against PostgreSQL with N tickets (default
# 1,000,000), 16 concurrent clients per scenario, wrk reporting latency percentiles.
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bench/run.sh [N]
# BENCH_REUSE=1 keeps the data set of the previous run (no re-seeding); BENCH_DURATION=15s;
# BENCH_POOL sets the server's database pool size (default 4: two per core, see docs/benchmarks.md).
# Needs psql, curl and wrk (Debian packages). Writes nothing but the bench database.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
admin_url=${BENCH_DATABASE_URL:?set BENCH_DATABASE_URL to a PostgreSQL admin URL}
duration=${BENCH_DURATION:-20s}
port=${BENCH_PORT:-18090}
db=servdesk_bench
url="${admin_url%/*}/$db"
base="http://127.0.0.1:$port"

cargo build --release -q -p servdesk-api
bin=target/release/servdesk
if [ "${BENCH_REUSE:-0}" = 1 ]; then
  # Re-run against the data set of an earlier run (after a code change), migrated forward.
  SERVDESK_DATABASE_URL=$url SERVDESK_LOG=warn $bin migrate
else
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  SERVDESK_DATABASE_URL=$url SERVDESK_LOG=warn $bin migrate
  echo "seeding $n tickets…"
  time psql "$url" -q -v n="$n" -f bench/seed.sql
fi
psql "$url" -qc "VACUUM ANALYZE"

SERVDESK_DATABASE_URL=$url SERVDESK_ADMIN_PASSWORD=bench-admin-password SERVDESK_BIND=127.0.0.1:$port \
  SERVDESK_LOG=warn SERVDESK_MIGRATE_ON_START=false SERVDESK_DATABASE_POOL_SIZE=${BENCH_POOL:-4} $bin serve --no-worker &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf --noproxy '*' "$base/ready" >/dev/null && break; sleep 0.2; done

token=$(curl -sf --noproxy '*' -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email": "admin@servdesk.local", "password": "bench-admin-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
customer=$(psql -tA "$url" -c "SELECT id FROM customers ORDER BY id LIMIT 1 OFFSET 500")
ticket=$(psql -tA "$url" -c "SELECT id FROM tickets ORDER BY number DESC LIMIT 1 OFFSET 12345")

# CPU time the hypervisor gave to other guests while a scenario ran ("steal"): on a shared
# VM it can take a third of the machine and halve the figures, so every scenario reports it.
cpu_ticks() { awk '/^cpu / { total = 0; for (i = 2; i <= NF; i++) total += $i; print total, $9 }' /proc/stat; }
run() {
  echo "== $1"
  read -r total_before steal_before < <(cpu_ticks)
  wrk -t2 -c16 -d"$duration" --latency -H "Authorization: Bearer $token" "${@:2}" | grep -E "Latency|50%|99%|Requests/sec|Non-2xx"
  read -r total_after steal_after < <(cpu_ticks)
  echo "    cpu steal: $(( 100 * (steal_after - steal_before) / (total_after - total_before + 1) ))%"
}
# The machine's own speed, so that runs at different hours can be compared: a request that
# touches no table. The same binary on the same data can answer a third fewer requests when
# the host is busy, and that does not always show as steal.
run "calibration: liveness, no database" "$base/health"
run "first page of the default list" "$base/api/v1/tickets"
run "filtered list (customer, open)" "$base/api/v1/tickets?customer_id=$customer&status_class=new"
run "full-text search" "$base/api/v1/tickets?q=boiler%20noisy%20site"
run "full-text search, a word only old tickets have, newest first" "$base/api/v1/tickets?q=fax&sort=-created"
run "ticket by id" "$base/api/v1/tickets/$ticket"
started=$(psql -tA "$url" -c "SELECT now()")
run "create a ticket" -s bench/create.lua "$base"
# The created tickets go again, so the next BENCH_REUSE run measures the same data set.
psql "$url" -q -v ON_ERROR_STOP=1 <<SQL
BEGIN;
CREATE TEMP TABLE created AS SELECT id FROM tickets WHERE created_at >= '$started';
DELETE FROM ticket_events WHERE ticket_id IN (SELECT id FROM created);
DELETE FROM tickets WHERE id IN (SELECT id FROM created);
COMMIT;
SQL
