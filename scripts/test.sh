#!/usr/bin/env bash
# The full test suite (README command 2): prepares the machine, starts the real services the
# integration tests need (Docker engine, registry, AWS emulator), runs build, lint and test of
# every workspace package through Nx, and stops the services on exit, even after a failure.
#   scripts/test.sh [nx args...]            everything, e.g. scripts/test.sh --projects=config
#   scripts/test.sh --affected [nx args...] only what changed since NX_BASE (CircleCI)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/with-test-services.sh
source scripts/with-test-services.sh

pnpm exec projen eslint

nx_mode=(run-many)
if [ "${1:-}" = "--affected" ]; then
  shift
  nx_mode=(affected)
fi

# Builds first: the workspace-level checks need the built CLIs.
pnpm exec nx "${nx_mode[@]}" -t build --output-style=static "$@"

# Workspace-level checks (the projenrc and the files it generates, .circleci/config.yml, and every
# README command run as written), while the packages' lint and tests run: those mostly wait on
# terraform and the AWS emulator, and the checks took two minutes after them. Their output
# follows the packages' output.
workspace_log=$(mktemp)
pnpm exec projen test >"$workspace_log" 2>&1 &
workspace_pid=$!
status=0
# Three at a time, not nx.json's two: the longest test runs (infra, delivery) mostly wait on
# terraform and the emulator, and with two slots they started last, behind every lint.
pnpm exec nx "${nx_mode[@]}" -t lint test --parallel=3 --output-style=static "$@" || status=$?
workspace_status=0
wait "$workspace_pid" || workspace_status=$?
cat "$workspace_log"
rm -f "$workspace_log"
[ "$status" -ne 0 ] && exit "$status"
exit "$workspace_status"
