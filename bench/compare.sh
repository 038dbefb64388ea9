#!/usr/bin/env bash
# Servdesk beside PostgreSQL's own limit, in one window (issue 22). On one cluster, with N
# seeded tickets (default 1,000,000), each scenario runs as Servdesk over HTTP (wrk) and as
# pgbench replaying the statements it stands for, in alternation, BENCH_ROUNDS times:
#
#   get      GET /tickets/{id}       vs bench/pgbench/get.sql    (the statements of one request)
#   list     GET /tickets            vs bench/pgbench/list.sql
#   search   GET /tickets?q=boiler   vs bench/pgbench/search.sql
#   create   POST /tickets           vs bench/pgbench/create_minimal.sql (ticket + event only:
#                                        the goal's anchor) and bench/pgbench/create.sql (the
#                                        statements of one create, as "pgbench-own")
#   health   GET /health, no database: what HTTP, wrk and the server cost without one
#
# and prints requests (transactions) per second, p50/p99, the CPU milliseconds per request of
# the server and of PostgreSQL (from /proc, so the cluster must run on this machine), the
# machine's steal, and the ratio Servdesk ÷ pgbench per round. Ratios from one run cancel the
# noise of a shared machine; absolute figures from different hours do not compare.
#
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bench/compare.sh [N]
# BENCH_ROUNDS (3), BENCH_DURATION (10s), BENCH_CLIENTS (16), BENCH_SCENARIOS ("health get
# list search create"), and bench/lib.sh's BENCH_REUSE, BENCH_POOL, BENCH_PORT. Needs psql, pgbench,
# curl and wrk (Debian packages). Writes nothing but the bench database.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
rounds=${BENCH_ROUNDS:-3}
duration=${BENCH_DURATION:-10s}
clients=${BENCH_CLIENTS:-16}
scenarios=${BENCH_SCENARIOS:-health get list search create}
for tool in psql pgbench curl wrk; do
  command -v $tool >/dev/null || { echo "compare.sh needs $tool (apt-get install postgresql-client wrk curl)"; exit 1; }
done
source bench/lib.sh

read -r priority status < <(psql -tA -F' ' "$url" -c "SELECT
  (SELECT id FROM dictionary_entries WHERE kind = 'priorities' AND is_default),
  (SELECT id FROM dictionary_entries WHERE kind = 'ticket-statuses' AND class = 'new' AND is_default)")
session=$(psql -tA "$url" -c "SELECT id FROM sessions ORDER BY created_at DESC LIMIT 1")
admin=$(psql -tA "$url" -c "SELECT user_id FROM sessions WHERE id = '$session'")
# The PostgreSQL server's processes: the postmaster's pid heads postmaster.pid.
data_dir=$(psql -tA "$url" -c "SHOW data_directory")
postmaster=$(head -1 "$data_dir/postmaster.pid" 2>/dev/null || true)
[ -n "$postmaster" ] || { echo "compare.sh: PostgreSQL must run on this machine (its CPU is read from /proc)"; exit 1; }
hz=$(getconf CLK_TCK)

# CPU ticks of a process (user + system), and of PostgreSQL: every live process of the
# cluster plus what its exited children (pgbench's backends) left in the postmaster.
ticks_of() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
pg_ticks() {
  local sum
  sum=$(sed 's/^.*) //' "/proc/$postmaster/stat" | awk '{ print $12 + $13 + $14 + $15 }')
  for child in $(pgrep -P "$postmaster"); do
    sum=$((sum + $(ticks_of "$child" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
per_request() { awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.3f", 1000 * t / hz / n; else print "-" }'; }
ms() { awk '{ v = $1; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else if (v ~ /s$/) v = v * 1000; printf "%.2f", v }'; }

results=$(mktemp)
trap 'kill $server 2>/dev/null || true; rm -f "$results"' EXIT
printf '%-8s %-9s %5s %10s %8s %8s %10s %10s %6s\n' scenario who round "req/s" "p50 ms" "p99 ms" "app ms/req" "pg ms/req" steal
measure() { # scenario who round command...
  local scenario=$1 who=$2 round=$3 out app0 pg0 app1 pg1 total0 steal0 total1 steal1 rate p50 p99 count
  shift 3
  read -r total0 steal0 < <(cpu_ticks)
  app0=$(ticks_of "$server"); pg0=$(pg_ticks)
  out=$("$@" 2>&1) || true
  app1=$(ticks_of "$server"); pg1=$(pg_ticks)
  read -r total1 steal1 < <(cpu_ticks)
  if [ "$who" = servdesk ]; then
    rate=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
    count=$(awk '/requests in/ { print $1 }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out" | ms)
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out" | ms)
    if grep -q "Non-2xx" <<<"$out"; then echo "$scenario: some answers were not 2xx"; grep "Non-2xx" <<<"$out"; fi
  else
    rate=$(awk '/^tps = / { print $3 }' <<<"$out")
    count=$(awk '/number of transactions actually processed/ { split($NF, a, "/"); print a[1] }' <<<"$out")
    p50=$(sort -n "$log_dir"/pgbench_log.* | awk '{ v[NR] = $3 } END { printf "%.2f", v[int(NR * 0.5) + 1] / 1000 }')
    p99=$(sort -k3,3n "$log_dir"/pgbench_log.* | awk '{ v[NR] = $3 } END { printf "%.2f", v[int(NR * 0.99) + 1] / 1000 }')
    rm -f "$log_dir"/pgbench_log.*
    if grep -q "number of failed transactions: [1-9]" <<<"$out"; then grep "failed" <<<"$out"; fi
  fi
  [ -n "$rate" ] || { echo "$scenario/$who produced no figures:"; echo "$out"; exit 1; }
  local app_ms="-"
  [ "$who" = servdesk ] && app_ms=$(per_request $((app1 - app0)) "$count")
  printf '%-8s %-9s %5s %10.0f %8s %8s %10s %10s %5s%%\n' "$scenario" "$who" "$round" "$rate" "$p50" "$p99" \
    "$app_ms" "$(per_request $((pg1 - pg0)) "$count")" "$(( 100 * (steal1 - steal0) / (total1 - total0 + 1) ))"
  echo "$scenario $who $round $rate" >>"$results"
}

log_dir=$(mktemp -d)
pgbench_run() { # script
  (cd "$log_dir" && pgbench -n -M prepared -c "$clients" -j 2 -T "${duration%s}" -l --sampling-rate=0.2 \
    -D customer="$customer" -D priority="$priority" -D status="$status" -D ticket="$ticket" \
    -D session="$session" -D admin="$admin" -f "$OLDPWD/bench/pgbench/$1" "$url")
}
wrk_run() { # path-or-script
  wrk -t2 -c"$clients" -d"$duration" --latency -H "Authorization: Bearer $token" "$@"
}
started=$(psql -tA "$url" -c "SELECT now()")
for round in $(seq "$rounds"); do
  for scenario in $scenarios; do
    case $scenario in
      health) target=("$base/health") ;;
      get) target=("$base/api/v1/tickets/$ticket") ;;
      list) target=("$base/api/v1/tickets") ;;
      search) target=("$base/api/v1/tickets?q=boiler") ;;
      create) target=(-s bench/create.lua "$base") ;;
    esac
    script=$scenario.sql
    [ "$scenario" = create ] && script=create_minimal.sql
    [ "$scenario" = health ] || measure "$scenario" pgbench "$round" pgbench_run "$script"
    [ "$scenario" = create ] && measure "$scenario" pgbench-own "$round" pgbench_run create.sql
    measure "$scenario" servdesk "$round" wrk_run "${target[@]}"
  done
done
forget_created_since "$started"
rm -rf "$log_dir"

echo
echo "Servdesk ÷ pgbench, per round (goals: reads ≥ 0.5, create ≥ 0.6 of the minimal transaction)"
grep -v '^health ' "$results" | awk '{ rate[$1 " " $2 " " $3] = $4; if (!seen[$1]++) order[++k] = $1; if ($3 > r) r = $3 }
  END { for (i = 1; i <= k; i++) { s = order[i]; line = sprintf("%-8s", s)
          for (j = 1; j <= r; j++) line = line sprintf(" %6.2f", rate[s " servdesk " j] / rate[s " pgbench " j])
          print line }
        if (("create pgbench-own 1") in rate) { line = sprintf("%-8s", "create ÷ its own statements")
          for (j = 1; j <= r; j++) line = line sprintf(" %6.2f", rate["create servdesk " j] / rate["create pgbench-own " j])
          print line } }'
