#!/usr/bin/env bash
# Runs every package's benchmark (`pnpm bench`): performance targets are checked here, not in
# timed tests. Starts the test services the image benchmark needs and stops them afterwards.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/with-test-services.sh
source scripts/with-test-services.sh
pnpm exec nx run-many -t build --output-style=static >/dev/null

status=0
for pkg in packages/infra packages/image-builder apps/flows-deployer packages/delivery packages/rehearsal; do
  printf '\n\033[1m▶ %s\033[0m\n' "$pkg"
  (cd "$pkg" && pnpm exec projen bench) || status=1
done
exit $status
