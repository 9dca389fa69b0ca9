#!/usr/bin/env bash
# The local rehearsal (README command 1): the whole delivery path on this machine, no AWS account
# needed. This script only gets the machine ready for the rehearsal's runner and starts it:
#   1. what it cannot install (terraform, Python moto) stops it at once, with the install command,
#   2. what it can (Debian packages, pnpm, the workspace's dependencies) scripts/bootstrap.sh installs,
#   3. the runner (packages/rehearsal, Node's modules and cli-kit only) is compiled when its sources
#      changed, and runs the steps: services, build, config, bootstrap stack, image, platform stack,
#      migrate-then-roll, flows plan, cost, teardown. See packages/rehearsal/README.md.
#   scripts/rehearse.sh [--keep] [--down] [--verbose]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for arg in "$@"; do
  case $arg in
    --keep | --down | --verbose | -v) ;;
    --help | -h) sed -n '2,9p' "$0" | cut -c3-; exit 0 ;;
    *) echo "error: unknown option $arg (usage: scripts/rehearse.sh [--keep] [--down] [--verbose])" >&2; exit 2 ;;
  esac
done

bash scripts/prerequisites.sh || exit 1
export PREREQUISITES_CHECKED=1

logs=.rehearsal/logs
mkdir -p "$logs"
verbose=false
case " $* " in *" --verbose "* | *" -v "*) verbose=true ;; esac
[ -t 1 ] && [ "$verbose" = false ] && printf '▶ install what is missing …'
started=$(date +%s%N)
if [ "$verbose" = true ]; then
  bash scripts/bootstrap.sh 2>&1 | tee "$logs/install.log"; status=${PIPESTATUS[0]}
else
  bash scripts/bootstrap.sh >"$logs/install.log" 2>&1 && status=0 || status=$?
fi
if [ "$status" -ne 0 ]; then
  [ -t 1 ] && printf '\r\033[K'
  echo "✗ install what is missing: scripts/bootstrap.sh exited $status"
  tail -n 12 "$logs/install.log" | sed 's/^/        | /'
  echo "        full log: $logs/install.log"
  echo "rehearsal: failed"
  exit 1
fi

# The runner is compiled before the workspace build (which is one of its steps): two small packages.
stale() { [ ! -f "$1/lib/index.js" ] || [ -n "$(find "$1/src" -name '*.ts' -newer "$1/lib/index.js" | head -n 1)" ]; }
for pkg in packages/cli-kit packages/rehearsal; do
  if stale "$pkg"; then pnpm exec tsc -p "$pkg/tsconfig.json" >>"$logs/install.log" 2>&1 || { echo "error: $pkg does not compile (see $logs/install.log)"; echo "rehearsal: failed"; exit 1; }; fi
done
[ -t 1 ] && [ "$verbose" = false ] && printf '\r\033[K'

export REHEARSAL_INSTALL_MS=$((($(date +%s%N) - started) / 1000000))
exec node packages/rehearsal/bin/platform-rehearse.js "$@"
