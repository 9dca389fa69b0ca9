#!/usr/bin/env bash
# Makes a fresh machine (Node 20 + apt) ready: the Debian packages the local services need,
# pnpm at the version package.json pins, and the workspace's dependencies (one install, from
# the lockfile). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || die "node is not installed (Node 20 is required)"
[ "$node_major" -ge 20 ] || die "node $(node --version) is too old: Node >= 20.9 is required"

# command → Debian package that provides it.
declare -A apt_packages=(
  [dockerd]=docker.io
  [docker-registry]=docker-registry
  [htpasswd]=apache2-utils
  [busybox]=busybox-static
  [chromium]=chromium
  # image-builder's TLS tests make a CA of their own with it.
  [openssl]=openssl
)
missing=()
for cmd in "${!apt_packages[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${apt_packages[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "warning: missing ${missing[*]} (install them with apt-get as root); Docker tests will fail"
  fi
fi

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  log "installing pnpm $pnpm_version"
  npm install -g --silent "pnpm@$pnpm_version" >/dev/null 2>&1 ||
    die "could not install pnpm $pnpm_version with npm"
fi

# pnpm keeps a copy of the lockfile it installed; when it is the committed one and no package.json
# changed since, there is nothing to install (pnpm itself takes 5-30 s to find that out).
installed_matches() {
  cmp -s pnpm-lock.yaml node_modules/.pnpm/lock.yaml || return 1
  local f
  for f in $(git ls-files package.json '*/package.json' 2>/dev/null); do
    [ "$f" -nt node_modules/.modules.yaml ] && return 1
  done
  return 0
}
if installed_matches; then
  log "workspace dependencies are up to date (node_modules matches pnpm-lock.yaml)"
else
  log "installing workspace dependencies"
  pnpm install --frozen-lockfile --reporter=silent
fi

# The test suite can still run without them (their tests fail or skip); the rehearsal stops on them.
# (scripts/rehearse.sh has checked them already and says so.)
if [ -z "${PREREQUISITES_CHECKED:-}" ]; then
  bash scripts/prerequisites.sh 2>&1 | sed 's/^error:/warning:/' | while IFS= read -r line; do log "$line"; done || true
fi
log "ready"
