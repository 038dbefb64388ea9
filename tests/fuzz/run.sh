#!/usr/bin/env bash
# Fuzzes a running Servdesk from its OpenAPI document with Schemathesis (from PyPI, in a
# virtualenv of its own), bounded to a few minutes: every operation with the document's
# examples, the coverage phase (boundaries, missing and wrong types, other methods) and
# random schema-valid data. Fails on any 5xx, any response the document does not describe,
# 404 instead of 405, and schema-valid input refused (see schemathesis.toml).
#
# Usage: tests/fuzz/run.sh <database url>   (the server binary is built first)
set -euo pipefail
cd "$(dirname "$0")/../.."
database_url=${1:?database url}
venv=${SERVDESK_FUZZ_VENV:-$HOME/.cache/servdesk-schemathesis}
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check schemathesis==4.32.5
fi
cargo build --locked --quiet --bin servdesk
data=$(mktemp -d /tmp/servdesk-fuzz.XXXXXX)
port=${SERVDESK_FUZZ_PORT:-18431}
password="fuzzing admin passphrase"
# Limits off: the fuzzer fires thousands of requests from one caller.
SERVDESK_DATABASE_URL="$database_url" SERVDESK_DATA_DIR="$data" SERVDESK_BIND="127.0.0.1:$port" \
SERVDESK_ADMIN_EMAIL=fuzz@servdesk.test SERVDESK_ADMIN_PASSWORD="$password" \
SERVDESK_RATE_LIMIT_READS=0 SERVDESK_RATE_LIMIT_WRITES=0 SERVDESK_RATE_LIMIT_PUBLIC=0 SERVDESK_RATE_LIMIT_INBOUND=0 SERVDESK_RATE_LIMIT_FORM_PER_ADDRESS=0 SERVDESK_RATE_LIMIT_FORM_TOTAL=0 \
SERVDESK_LOG=${SERVDESK_FUZZ_LOG:-warn} ./target/debug/servdesk serve > "$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; [ -n "${SERVDESK_FUZZ_KEEP:-}" ] && cp "$data/server.log" "$SERVDESK_FUZZ_KEEP"; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break
    sleep 0.2
done
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"fuzz@servdesk.test\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# A fixed seed by default, so a CI run tests the same cases each time and a failure is the
# change's, not the dice's; `SERVDESK_FUZZ_SEED=random` explores new ones (that is how the
# serial pattern that overflowed a worker's stack was found), any number replays a run.
seed=${SERVDESK_FUZZ_SEED:-183398382395766184194066006683159616621}
seed_option=(--seed "$seed")
[ "$seed" = random ] && seed_option=()
# One worker: with two, Hypothesis (under Schemathesis) describes its generators from their
# source in both threads at once, and Python's AST constructor trips over the other thread's
# recursion depth now and then ("AST constructor recursion depth mismatch") — a runtime error
# of the tool, not a finding, that failed a run of the same seed that had passed before.
# Left out: what ends the fuzzer's own session (logout, a new password of its own or set by
# an admin — the fuzzer is that admin), raw inbound email, whose media type
# (message/rfc822) Schemathesis cannot generate, and the live event stream, which by design
# never ends (it has its own test with a real client).
"$venv/bin/schemathesis" --config-file tests/fuzz/schemathesis.toml run openapi/openapi.json \
    --url "http://127.0.0.1:$port" -H "Authorization: Bearer $token" \
    --phases examples,coverage,fuzzing --max-examples "${SERVDESK_FUZZ_EXAMPLES:-10}" \
    "${seed_option[@]}" --workers 1 --request-timeout 20 --generation-allow-x00 false --generation-with-security-parameters false --no-color \
    --exclude-path-regex '^/api/v1/(auth/logout|me/password|users/\{id\}/password|inbound/email|stream)$' \
    || { echo "== the server's log"; tail -50 "$data/server.log"; exit 1; }
