# Shared by the PostgreSQL benchmarks (run.sh, compare.sh): a release build, the bench
# database with N seeded tickets, a server on loopback and an admin token. Source it after
# setting n; it defines admin_url, url, base, bin, server, token, customer and ticket.
#   BENCH_DATABASE_URL   a PostgreSQL admin URL (required)
#   BENCH_REUSE=1        keep the data set of an earlier run (migrated forward)
#   BENCH_BIN            a binary built earlier instead of building this checkout
#   BENCH_POOL           the server's database pool size (default 4: two per core)
#   BENCH_PORT           the server's port (default 18090)
source bench/database.sh
port=${BENCH_PORT:-18090}

base="http://127.0.0.1:$port"

prepare_database servdesk_bench bench/seed.sql
psql "$url" -qc "VACUUM ANALYZE"

# One user's requests far beyond any rate limit: limits high enough never to answer 429, so
# the limiter's own cost is still measured.
limit=1000000000/1000000000
SERVDESK_DATABASE_URL=$url SERVDESK_ADMIN_PASSWORD=bench-admin-password SERVDESK_BIND=127.0.0.1:$port \
  SERVDESK_LOG=warn SERVDESK_MIGRATE_ON_START=false SERVDESK_DATABASE_POOL_SIZE=${BENCH_POOL:-4} \
  SERVDESK_RATE_LIMIT_READS=$limit SERVDESK_RATE_LIMIT_WRITES=$limit \
  $bin serve --no-worker &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf --noproxy '*' "$base/ready" >/dev/null && break; sleep 0.2; done

token=$(curl -sf --noproxy '*' -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email": "admin@servdesk.local", "password": "bench-admin-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
customer=$(psql -tA "$url" -c "SELECT id FROM customers ORDER BY id LIMIT 1 OFFSET 500")
ticket=$(psql -tA "$url" -c "SELECT id FROM tickets ORDER BY number DESC LIMIT 1 OFFSET 12345")

# CPU time the hypervisor gave to other guests ("steal") and the machine's total, in ticks:
# on a shared VM steal can take a third of the machine and halve the figures.
cpu_ticks() { awk '/^cpu / { total = 0; for (i = 2; i <= NF; i++) total += $i; print total, $9 }' /proc/stat; }

# Removes the tickets created since $1 (a PostgreSQL timestamp), so that the next
# BENCH_REUSE run measures the same data set.
forget_created_since() {
  psql "$url" -q -v ON_ERROR_STOP=1 <<SQL
BEGIN;
CREATE TEMP TABLE created AS SELECT id FROM tickets WHERE created_at >= '$1';
DELETE FROM ticket_measures WHERE ticket_id IN (SELECT id FROM created);
DELETE FROM ticket_search WHERE ticket_id IN (SELECT id FROM created);
DELETE FROM ticket_events WHERE ticket_id IN (SELECT id FROM created);
DELETE FROM tickets WHERE id IN (SELECT id FROM created);
COMMIT;
SQL
}
