#!/usr/bin/env bash
# A private S3-compatible server for the attachment tests: s3s-fs (crates.io; a real S3 HTTP
# API with SigV4 authentication and multipart uploads, over a directory) on 127.0.0.1.
#   tests/s3/server.sh start DIR   -> writes DIR/env (endpoint, keys, bucket) for the tests
#   tests/s3/server.sh stop DIR
# Needs `s3s-fs` on PATH: cargo install s3s-fs@0.14.1 --locked --features binary
set -euo pipefail
action=${1:?start|stop}
dir=${2:?directory}
bucket=servdesk-test
case "$action" in
start)
    mkdir -p "$dir/data/$bucket"
    # A free port: one nothing answers on.
    port=$((20000 + RANDOM % 30000))
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((20000 + RANDOM % 30000)); done
    key=servdesk-test-key
    secret=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    setsid s3s-fs --host 127.0.0.1 --port "$port" --access-key "$key" --secret-key "$secret" "$dir/data" \
        >"$dir/s3s-fs.log" 2>&1 </dev/null &
    echo $! >"$dir/s3s-fs.pid"
    for _ in $(seq 50); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
        sleep 0.1
    done
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "s3s-fs did not start:"; cat "$dir/s3s-fs.log"; exit 1; }
    cat >"$dir/env" <<ENV
ENDPOINT=http://127.0.0.1:$port
ACCESS_KEY_ID=$key
SECRET_ACCESS_KEY=$secret
BUCKET=$bucket
ROOT=$dir/data
ENV
    echo "s3s-fs on 127.0.0.1:$port, bucket $bucket in $dir/data"
    ;;
stop)
    if [ -f "$dir/s3s-fs.pid" ]; then kill "$(cat "$dir/s3s-fs.pid")" 2>/dev/null || true; rm -f "$dir/s3s-fs.pid"; fi
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
