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
duration=${BENCH_DURATION:-20s}
source bench/lib.sh

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
forget_created_since "$started"
