#!/usr/bin/env bash
# The reports benchmark (issue 21): a release build against PostgreSQL with N tickets
# (default 1,000,000) reported over the last year, ten timeline events each (10,000,000),
# their measures, replies, time and calls (bench/reports_seed.sql). Each report is asked
# over the whole year by month, over the year by week, and over the last month by day,
# five times in a row; prints the fastest and the median of the five, in seconds.
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bench/reports.sh [N]
# BENCH_REUSE=1 keeps the data set of the previous run; BENCH_BIN runs a binary built earlier.
# Needs psql and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
port=${BENCH_PORT:-18091}
base="http://127.0.0.1:$port"
source bench/database.sh
prepare_database servdesk_reports_bench bench/reports_seed.sql
# The seed's agents are users already, so the first start makes no admin: make one.
SERVDESK_DATABASE_URL=$url SERVDESK_LOG=warn $bin user create --email admin@servdesk.local --role admin \
  --password bench-admin-password >/dev/null 2>&1 || true
psql "$url" -tAc "SELECT 'tickets ' || (SELECT count(*) FROM tickets) || ', events ' || (SELECT count(*) FROM ticket_events)"

SERVDESK_DATABASE_URL=$url SERVDESK_ADMIN_PASSWORD=bench-admin-password SERVDESK_BIND=127.0.0.1:$port \
  SERVDESK_LOG=warn SERVDESK_MIGRATE_ON_START=false SERVDESK_TIME_ZONE=Europe/Ljubljana $bin serve --no-worker &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf --noproxy '*' "$base/ready" >/dev/null && break; sleep 0.2; done
token=$(curl -sf --noproxy '*' -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email": "admin@servdesk.local", "password": "bench-admin-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

today=$(date -u +%F)
year_ago=$(date -u -d '365 days ago' +%F)
month_ago=$(date -u -d '30 days ago' +%F)
agent=$(psql -tA "$url" -c "SELECT id FROM users WHERE role = 'agent' ORDER BY name LIMIT 1")
time_of() {
  local times=()
  for _ in 1 2 3 4 5; do
    times+=("$(curl -s --noproxy '*' -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" "$base$1")")
  done
  printf '%s\n' "${times[@]}" | grep -v '^200 ' | head -1 | sed 's/^/    not 200: /' || true
  printf '%s\n' "${times[@]}" | awk '{print $2}' | sort -n | awk '{a[NR] = $1} END {printf "fastest %.3f s, median %.3f s\n", a[1], a[3]}'
}
printf '%-16s %-24s %s\n' report span result
for report in calls tickets response-times agents sla; do
  for span in "from=$year_ago&to=$today&group_by=month" "from=$year_ago&to=$today&group_by=week" \
              "from=$month_ago&to=$today&group_by=day" "from=$year_ago&to=$today&group_by=month&agent_id=$agent"; do
    case $span in
      *agent_id*) label="year, month, one agent" ;;
      "from=$month_ago"*) label="month, day" ;;
      *) label="year, ${span##*group_by=}" ;;
    esac
    printf '%-16s %-24s %s\n' "$report" "$label" "$(time_of "/api/v1/reports/$report?$span")"
  done
done
printf '%-16s %-24s %s\n' effective-time "year, by customer" "$(time_of "/api/v1/reports/effective-time?from=$year_ago&to=$today")"
