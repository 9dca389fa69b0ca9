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

if [ "${1:-}" = "--affected" ]; then
  shift
  pnpm exec nx affected -t build lint test --output-style=static "$@"
else
  pnpm exec nx run-many -t build lint test --output-style=static "$@"
fi

# Workspace-level checks, after the build: the projenrc and the files it generates
# (.circleci/config.yml), and every README command run as written (it needs the built CLIs).
pnpm exec projen test
