#!/usr/bin/env bash
# The contract as a frontend team meets it: the committed OpenAPI document must pass Redocly
# CLI's recommended rules (warnings included), and the TypeScript client openapi-typescript
# generates from it must type-check a typed use of the main routes under `tsc --strict`.
# Needs `npm ci --prefix tests/contract` first (.ci/run does it).
set -euo pipefail
cd "$(dirname "$0")"
doc=../../openapi/openapi.json
mkdir -p generated
npx --no-install redocly lint "$doc" --config redocly.yaml --max-problems 50
# Redocly exits 0 on warnings: count them from its JSON report.
npx --no-install redocly lint "$doc" --config redocly.yaml --format=json 2>/dev/null > generated/lint.json || true
node -e 'const t = require("./generated/lint.json").totals; if (t.errors || t.warnings) { console.error("lint:", t); process.exit(1); }'
npx --no-install openapi-typescript "$doc" --output generated/schema.d.ts --silent
npx --no-install tsc -p tsconfig.json
echo "contract: lint clean, generated client type-checks"
