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

log "installing workspace dependencies"
pnpm install --frozen-lockfile --reporter=silent

command -v terraform >/dev/null || log "warning: terraform is not on PATH; infra validate/rehearsal tests will fail"
python3 -c 'import moto.server' 2>/dev/null || log "warning: moto is not installed for python3; AWS emulator tests will fail"
log "ready"
