#!/usr/bin/env bash
# The issue-20 benchmark: a bulk import of N contacts (default 100,000) on PostgreSQL, as an
# onboarding would send them — a CSV with name, email, a phone, the customer by the ERP's id
# and the contact's own external reference — through a release build's API and worker.
# Reports the time from the upload to `completed`, then the same file again (every row an
# update by external reference), and the server's peak resident memory.
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bench/import.sh [N]
# Needs psql, curl and awk (Debian packages). Writes nothing but the servdesk_import
# database and files under a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
admin_url=${BENCH_DATABASE_URL:?set BENCH_DATABASE_URL to a PostgreSQL admin URL}
port=${BENCH_PORT:-18092}
db=servdesk_import
url="${admin_url%/*}/$db"
base="http://127.0.0.1:$port"
password=bench-import-passphrase-2027
work=$(mktemp -d)

cargo build --release -q -p servdesk-api
bin=target/release/servdesk
psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
SERVDESK_DATABASE_URL=$url SERVDESK_LOG=warn $bin migrate
SERVDESK_DATABASE_URL=$url SERVDESK_LOG=warn $bin user create --email import@bench.example --role admin --password "$password"

SERVDESK_DATABASE_URL=$url SERVDESK_BIND=127.0.0.1:$port SERVDESK_IMPORT_MAX_BYTES=268435456 \
  SERVDESK_LOG=warn,servdesk_usecases::imports=info SERVDESK_MIGRATE_ON_START=false $bin serve &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf --noproxy '*' "$base/ready" >/dev/null && break; sleep 0.2; done
token=$(curl -sf --noproxy '*' -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\": \"import@bench.example\", \"password\": \"$password\"}" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$server/status"; }
peak=0

# Uploads a file and waits for the import to finish; prints the import.
run_import() {
  local kind=$1 file=$2 id body now_rss
  id=$(curl -sf --noproxy '*' -X POST "$base/api/v1/imports?kind=$kind" -H "Authorization: Bearer $token" \
    -H 'content-type: text/csv' --data-binary "@$file" | sed -E 's/.*"id":"([^"]+)".*/\1/')
  while :; do
    body=$(curl -sf --noproxy '*' "$base/api/v1/imports/$id" -H "Authorization: Bearer $token")
    now_rss=$(rss); [ "$now_rss" -gt "$peak" ] && peak=$now_rss
    case "$body" in *'"status":"completed"'*|*'"status":"failed"'*) break ;; esac
    sleep 0.2
  done
  echo "$body" | sed -E 's/.*"status":"([a-z]+)".*"total_rows":([0-9]+).*"created_rows":([0-9]+),"updated_rows":([0-9]+),"failed_rows":([0-9]+).*/\1: \2 rows, \3 created, \4 updated, \5 failed/'
}

awk 'BEGIN { print "name,tax_id,external_ref"; for (i = 1; i <= 1000; i++) printf "Customer %d d.o.o.,SI%08d,C-%d\n", i, i, i }' > "$work/customers.csv"
run_import customers "$work/customers.csv"
awk -v n="$n" 'BEGIN {
  print "name,email,phones,job_title,customer_external_ref,external_ref"
  for (i = 1; i <= n; i++)
    printf "Contact %d,contact%d@example.com,+386 40 %03d %03d,Technician,C-%d,P-%d\n", i, i, (i / 1000) % 1000, i % 1000, (i % 1000) + 1, i
}' > "$work/contacts.csv"
echo "contacts file: $(( $(stat -c %s "$work/contacts.csv") / 1024 )) KB, $n rows"

# CPU seconds (user + system) of a process, and of all PostgreSQL processes together.
cpu_of() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; }
pg_cpu() { local sum=0; for p in $(pgrep -x postgres); do sum=$(echo "$sum + $(cpu_of "$p" 2>/dev/null || echo 0)" | bc); done; echo "$sum"; }
timed() {
  local started finished server_cpu pg
  server_cpu=$(cpu_of $server); pg=$(pg_cpu)
  started=$(date +%s.%N)
  run_import contacts "$work/contacts.csv"
  finished=$(date +%s.%N)
  printf '%s: %.1f s (cpu: servdesk %s s, postgres %s s)\n' "$1" "$(echo "$finished - $started" | bc)" \
    "$(echo "$(cpu_of $server) - $server_cpu" | bc)" "$(echo "$(pg_cpu) - $pg" | bc)"
}
timed "import (every row new)"
timed "the same file again (every row an update)"
printf 'peak resident: %d MB\n' $(( peak / 1024 ))
psql "$url" -tAc "SELECT count(*) || ' contacts, ' || (SELECT count(*) FROM contact_phones) || ' phones' FROM contacts"
