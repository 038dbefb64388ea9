# The bench database, for every benchmark script: sourced after `n` is set. Defines admin_url
# and bin (BENCH_BIN runs a binary built earlier, for the previous code side by side with this
# one; otherwise a release build of this checkout), and prepare_database, which sets url.
admin_url=${BENCH_DATABASE_URL:?set BENCH_DATABASE_URL to a PostgreSQL admin URL}
bin=${BENCH_BIN:-target/release/servdesk}
[ -n "${BENCH_BIN:-}" ] || cargo build --release -q -p servdesk-api

# prepare_database NAME SEED: migrates database NAME forward when BENCH_REUSE=1 (the data set
# of an earlier run), else creates it afresh and seeds it with n tickets from SEED.
prepare_database() {
  url="${admin_url%/*}/$1"
  if [ "${BENCH_REUSE:-0}" = 1 ]; then
    # An older binary (BENCH_BIN) runs on the schema as the newer one left it.
    [ -n "${BENCH_BIN:-}" ] || SERVDESK_DATABASE_URL=$url SERVDESK_LOG=warn $bin migrate
  else
    psql "$admin_url" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
    SERVDESK_DATABASE_URL=$url SERVDESK_LOG=warn $bin migrate
    echo "seeding $n tickets…"
    time psql "$url" -q -v n="$n" -f "$2"
  fi
}
