#!/usr/bin/env bash
# Checks the workspace's own promises, after scripts/test.sh has run:
#   1. `projen` on a clean checkout regenerates exactly what is committed (no diff);
#   2. `nx affected` follows the dependency graph: image-builder alone is affected by its own
#      change, every package by a config change;
#   3. a second `nx run-many -t build test` is served entirely from the Nx cache.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$*"; }

before=$(git status --porcelain)
pnpm exec projen >/dev/null 2>&1 || fail "projen synthesis failed (run pnpm exec projen)"
after=$(git status --porcelain)
if [ "$before" != "$after" ]; then
  git --no-pager diff --stat >&2
  fail "generated files differ from .projenrc.ts: run pnpm exec projen and commit the result"
fi
ok "projen leaves no diff"

affected() { pnpm exec nx show projects --affected --files="$1" | sort | tr '\n' ' ' | sed 's/ $//'; }
got=$(affected packages/image-builder/src/index.ts)
[ "$got" = "flows-deployer image-builder" ] || fail "a change in image-builder should affect it and the flows (which pin its image), got: $got"
got=$(affected packages/config/src/schema.ts)
[ "$got" = "config delivery flows-deployer image-builder infra ops" ] || fail "a change in config should affect every package, got: $got"
got=$(affected packages/prefect-api/src/client.ts)
[ "$got" = "delivery flows-deployer ops prefect-api" ] || fail "a change in prefect-api should affect it, the deployer, ops and delivery (its end-to-end test deploys flows to the contract server), got: $got"
ok "nx affected follows the project graph"

# The deploy plan nx affected -t deploy follows (packages/delivery): "project:reason" in order.
order() {
  node packages/delivery/bin/platform-deploy.js plan --files="$1" |
    sed -n 's/^  [0-9]*\. \([a-z-]*\): deploy (changed)$/\1:changed/p; s/^  [0-9]*\. \([a-z-]*\): hand on.*/\1:upstream/p' | tr '\n' ' ' | sed 's/ $//'
}
got=$(order packages/infra/src/main.ts)
[ "$got" = "image-builder:upstream infra:changed" ] || fail "an infra change should deploy infra after the (no-op) image step, got: $got"
got=$(order packages/config/src/schema.ts)
[ "$got" = "image-builder:changed infra:changed flows-deployer:changed" ] || fail "a config change should deploy all three in order, got: $got"
got=$(order apps/flows-deployer/prefect.yaml)
[ "$got" = "image-builder:upstream infra:upstream flows-deployer:changed" ] || fail "a manifest change should deploy the flows after no-op upstream steps, got: $got"
got=$(order docker/prefect-base/Dockerfile)
[ "$got" = "image-builder:changed infra:upstream flows-deployer:changed" ] || fail "a Prefect Dockerfile change should publish the image, re-pin infra and the flows, got: $got"
got=$(order docker/flows-deployer/Dockerfile)
[ "$got" = "image-builder:upstream infra:upstream flows-deployer:changed" ] || fail "a deployer Dockerfile change should deploy the flows (publishing the deployer image, infra re-pinning its task), got: $got"
ok "deploy plan: only what changed, in delivery order"

# Module boundaries: config may import nothing from the repo, nobody imports another's src/.
boundary_probe() { # boundary_probe <package dir> <import line>: lint must reject it
  local file="$1/src/boundary-probe.ts"
  printf '%s\nexport const probe = imported;\n' "$2" >"$file"
  local out
  out=$(cd "$1" && ESLINT_USE_FLAT_CONFIG=false pnpm exec eslint --no-ignore src/boundary-probe.ts 2>&1 || true)
  rm -f "$file"
  grep -q '@nx/enforce-module-boundaries\|Circular dependency' <<<"$out" || fail "lint accepted a forbidden import in $1: $2"
}
boundary_probe packages/config "import { buildApp as imported } from '@blog-data/infra';"
boundary_probe packages/infra "import { loadConfig as imported } from '../../config/src/load';"
ok "module boundaries enforced by lint"

out=$(pnpm exec nx run-many -t build test --output-style=static 2>&1) || { echo "$out" >&2; fail "second build/test run failed"; }
summary=$(printf '%s\n' "$out" | grep -E 'read the output from the cache' || true)
[ -n "$summary" ] || fail "second build/test run did not use the Nx cache"
tasks=$(printf '%s\n' "$summary" | grep -oE 'for [0-9]+ out of [0-9]+' | head -1)
read -r _ hit _ _ total <<<"$tasks"
[ "$hit" = "$total" ] || fail "only $hit of $total tasks came from the Nx cache"
ok "second build/test run served from cache ($hit/$total tasks)"
