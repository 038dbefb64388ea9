#!/usr/bin/env bash
# The issue-18 benchmark: a month-end billing run over 10,000 customers, 2,000 contracts and
# N time entries (default 1,000,000) on PostgreSQL, computed by a release build's worker.
# Reports the run's wall time (start → draft) and the server's peak resident memory.
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bench/billing.sh [N]
# BENCH_REUSE=1 keeps the data set of the previous run (its runs are deleted first).
# Needs psql and curl (Debian packages). Writes nothing but the servdesk_billing database.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
admin_url=${BENCH_DATABASE_URL:?set BENCH_DATABASE_URL to a PostgreSQL admin URL}
port=${BENCH_PORT:-18091}
db=servdesk_billing
url="${admin_url%/*}/$db"
base="http://127.0.0.1:$port"
password=bench-finance-passphrase-2027

cargo build --release -q -p servdesk-api
bin=target/release/servdesk
if [ "${BENCH_REUSE:-0}" = 1 ]; then
  SERVDESK_DATABASE_URL=$url SERVDESK_LOG=warn $bin migrate
  psql "$url" -qc "UPDATE time_entries SET billed_statement_id = NULL WHERE billed_statement_id IS NOT NULL" \
    -c "DELETE FROM documents WHERE kind = 'statement'; DELETE FROM billed_fee_periods; DELETE FROM statement_lines; DELETE FROM statements; DELETE FROM billing_runs; DELETE FROM jobs" \
    -c "VACUUM ANALYZE"
else
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  SERVDESK_DATABASE_URL=$url SERVDESK_LOG=warn $bin migrate
  # The seed adds staff, so the first start would not create its admin: make one here.
  SERVDESK_DATABASE_URL=$url SERVDESK_LOG=warn $bin user create --email billing@bench.example --role finance --password "$password"
  echo "seeding 10,000 customers, 2,000 contracts and $n time entries…"
  time psql "$url" -q -v n="$n" -f bench/billing_seed.sql
fi

SERVDESK_DATABASE_URL=$url SERVDESK_BIND=127.0.0.1:$port \
  SERVDESK_LOG=warn,servdesk_usecases::billing=info SERVDESK_MIGRATE_ON_START=false $bin serve &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf --noproxy '*' "$base/ready" >/dev/null && break; sleep 0.2; done
token=$(curl -sf --noproxy '*' -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\": \"billing@bench.example\", \"password\": \"$password\"}" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$server/status"; }
echo "server resident before the run: $(( $(rss) / 1024 )) MB"
# CPU seconds (user + system) of a process, and of all PostgreSQL processes together.
cpu_of() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; }
pg_cpu() { local sum=0; for p in $(pgrep -x postgres); do sum=$(echo "$sum + $(cpu_of "$p" 2>/dev/null || echo 0)" | bc); done; echo "$sum"; }
server_cpu_before=$(cpu_of $server); pg_cpu_before=$(pg_cpu)

started=$(date +%s.%N)
run=$(curl -sf --noproxy '*' -X POST "$base/api/v1/billing-runs" -H "Authorization: Bearer $token" \
  -H 'content-type: application/json' -d '{"period": "2027-01"}' | sed -E 's/.*"id":"([^"]+)".*/\1/')
peak=0
while :; do
  body=$(curl -sf --noproxy '*' "$base/api/v1/billing-runs/$run" -H "Authorization: Bearer $token")
  now_rss=$(rss); [ "$now_rss" -gt "$peak" ] && peak=$now_rss
  case "$body" in *'"status":"draft"'*|*'"status":"failed"'*) break ;; esac
  sleep 0.2
done
finished=$(date +%s.%N)
echo "cpu: servdesk $(echo "$(cpu_of $server) - $server_cpu_before" | bc) s, postgres $(echo "$(pg_cpu) - $pg_cpu_before" | bc) s"
echo "$body" | sed -E 's/.*"status":"([a-z]+)".*"customers_done":([0-9]+).*"customers_total":([0-9]+).*"statements_count":([0-9]+).*/status \1, customers \2 of \3, statements \4/'
printf 'run: %.1f s; peak resident while it ran: %d MB (VmHWM %d MB)\n' "$(echo "$finished - $started" | bc)" $(( peak / 1024 )) \
  $(( $(awk '/^VmHWM/ { print $2 }' "/proc/$server/status") / 1024 ))
psql "$url" -tAc "SELECT count(*) || ' lines' FROM statement_lines"
if [ "${BENCH_FINALIZE:-1}" = 1 ]; then
  started=$(date +%s.%N)
  status=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/billing-runs/$run/finalize" -H "Authorization: Bearer $token")
  printf 'finalize: %s in %.1f s\n' "$status" "$(echo "$(date +%s.%N) - $started" | bc)"
fi
