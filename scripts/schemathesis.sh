#!/usr/bin/env bash
# Property-based API testing: schemathesis (PyPI, pinned, in a project-local virtualenv) against
# /openapi.json of a running system (`npm run dev` on the embedded stack, its own ports and data).
# Fails on any 5xx and on any response that does not match the description.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
if [ ! -x .tools/venv/bin/schemathesis ] || ! .tools/venv/bin/schemathesis --version | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==${SCHEMATHESIS_VERSION}"
fi

data=$(mktemp -d); chmod 755 "$data"
export DATA_DIR="$data" PORT=3190 EMBEDDED_PG_PORT=5590 TEMPORAL_DEV_PORT=7290 TEMPORAL_UI_PORT=8290 WORKER_METRICS_PORT=9590 RATE_LIMIT_PER_MINUTE=0
unset DATABASE_URL TEMPORAL_ADDRESS TEMPORAL_API_KEY TEMPORAL_PROFILE TEMPORAL_CONFIG_FILE
node_modules/.bin/tsx src/dev/main.ts > "$data/dev.log" 2>&1 &
dev=$!
stop() { kill -INT "$dev" 2>/dev/null || true; wait "$dev" 2>/dev/null || true; rm -rf "$data"; }
trap stop EXIT
for _ in $(seq 1 120); do grep -q "Press Ctrl-C" "$data/dev.log" && break; kill -0 "$dev" || { cat "$data/dev.log"; exit 1; }; sleep 1; done

status=0
for who in head client; do
  token=$(node -p "require('$data/demo-credentials.json').people.$who.token")
  echo "[schemathesis] as $who"
  .tools/venv/bin/schemathesis run "http://127.0.0.1:$PORT/openapi.json" \
    -H "Authorization: Bearer $token" \
    --exclude-path /events \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples 15 --request-timeout 10 --seed 1 || status=$?
done
exit "$status"
