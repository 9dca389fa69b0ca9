#!/usr/bin/env bash
# Regenerates src/api/schema.generated.ts from the committed Prefect OpenAPI document.
# Run from anywhere: apps/flows-deployer/scripts/generate-api.sh
# To move to a new Prefect version: replace openapi/prefect-<version>.json, update SPEC below and
# PREFECT_API_CONTRACT_VERSION in src/api/contract.ts, rerun, then `pnpm nx test flows-deployer`.
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=openapi/prefect-3.8.3.json
OUT=src/api/schema.generated.ts
# --default-non-nullable false: a field with a server default is optional in request bodies
# (otherwise every create body would have to spell out paused, schedules, tags ...).
npx openapi-typescript "$SPEC" --default-non-nullable false --output "$OUT.tmp"
{
  echo '/* eslint-disable */'
  echo "// Generated from ${SPEC} by scripts/generate-api.sh (openapi-typescript). Do not edit."
  cat "$OUT.tmp"
} > "$OUT"
rm -f "$OUT.tmp"
echo "wrote $OUT"
