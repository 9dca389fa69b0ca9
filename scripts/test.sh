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

# The longest test runs, infra's and delivery's (the emulator rehearsals, 5-8 min, mostly waiting on
# terraform and the emulator), start first, in an Nx run of their own. One Nx run orders the ready
# tasks by how many projects depend on theirs, which put these two leaves last: CI took their start
# (~4.5 min in) plus their length. Everything else (their lint too) runs beside them.
long_poles=(infra delivery)
others=$(pnpm exec nx show projects | grep -vxF -f <(printf '%s\n' "${long_poles[@]}") | paste -sd, -)
long_log=$(mktemp)
pnpm exec nx "${nx_mode[@]}" -t test --exclude="$others" --parallel=2 --output-style=static "$@" >"$long_log" 2>&1 &
long_pid=$!
status=0
pnpm exec nx "${nx_mode[@]}" -t lint test --exclude="$(IFS=,; echo "${long_poles[*]}")" --output-style=static "$@" || status=$?
pnpm exec nx "${nx_mode[@]}" -t lint --exclude="$others" --output-style=static "$@" || status=$?
long_status=0
wait "$long_pid" || long_status=$?
cat "$long_log"
workspace_status=0
wait "$workspace_pid" || workspace_status=$?
cat "$workspace_log"
rm -f "$workspace_log" "$long_log"
[ "$status" -ne 0 ] && exit "$status"
[ "$long_status" -ne 0 ] && exit "$long_status"
exit "$workspace_status"
