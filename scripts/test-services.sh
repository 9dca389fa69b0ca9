#!/usr/bin/env bash
# Starts, describes and stops the real services the integration tests talk to:
#   - a Docker engine of our own (dockerd with its own data-root, exec-root, pidfile and
#     unix socket; it never touches another daemon on the machine),
#   - a Docker registry (Debian's docker-registry) on 127.0.0.1 with htpasswd basic auth,
#     whose user/password are the ones the AWS emulator's ECR GetAuthorizationToken returns,
#   - the AWS emulator (moto server) on a free loopback port,
#   - an offline terraform CLI config pointing at the machine's provider mirror,
#   - a local linux/amd64 busybox base image (no base image can be pulled here).
#
# usage: scripts/test-services.sh up [--only aws|docker]...   start (idempotent), print env
#        scripts/test-services.sh env                         print `export` lines for eval
#        scripts/test-services.sh down [--purge]              stop all; --purge drops data
#        scripts/test-services.sh status
# State lives in .test-services/ (gitignored); TEST_SERVICES_DIR overrides it.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=${TEST_SERVICES_DIR:-$repo_root/.test-services}
# Unix socket paths are limited to 108 bytes; containerd nests deep below exec-root,
# so exec-root goes under /tmp, keyed by the state directory.
exec_root=/tmp/ts-exec-$(printf '%s' "$state" | cksum | cut -d' ' -f1)
# moto's GetAuthorizationToken answers base64("AWS:<account>-auth-token").
emulator_account=123456789012
registry_user=AWS
registry_password="${emulator_account}-auth-token"

log() { printf '[test-services] %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # wait_for <seconds> <description> <command...>
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.3
  done
  log "$what is up"
}

find_plugin_mirror() {
  # TF_PLUGIN_MIRROR wins; else the machine's shipped mirror (a `tf-plugins` folder) or
  # terraform's own implied local-mirror directories.
  if [ -n "${TF_PLUGIN_MIRROR:-}" ]; then echo "$TF_PLUGIN_MIRROR"; return; fi
  local d
  for d in /opt/*/ "$HOME/.terraform.d/plugins/" /usr/local/share/terraform/plugins/ /usr/share/terraform/plugins/; do
    case "$d" in */tf-plugins/|*/terraform*/plugins/) ;; *) continue ;; esac
    [ -d "$d/registry.terraform.io/hashicorp/aws" ] && { echo "${d%/}"; return; }
  done
}

start_terraform_config() {
  command -v terraform >/dev/null || die "terraform is not on PATH (infra tests need it)"
  local mirror; mirror=$(find_plugin_mirror)
  if [ -z "$mirror" ]; then
    # Online machines (CircleCI) install providers from the registry as usual.
    log "no terraform provider mirror found (set TF_PLUGIN_MIRROR for offline machines): using the registry"
    echo "export CHECKPOINT_DISABLE=1" >>"$state/env.new"
    return 0
  fi
  cat >"$state/terraformrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
plugin_cache_dir = "$state/terraform-plugin-cache"
CFG
  mkdir -p "$state/terraform-plugin-cache"
  echo "export TF_CLI_CONFIG_FILE=$state/terraformrc" >>"$state/env.new"
  echo "export CHECKPOINT_DISABLE=1" >>"$state/env.new"
}

start_moto() {
  local port
  if alive "$state/moto.pid"; then
    port=$(cat "$state/moto.port")
  else
    python3 -c 'import moto.server' 2>/dev/null || die "moto is not installed for python3 (pip install 'moto[server]==5.2.1')"
    port=$(free_port)
    # moto's server plus the Step Functions call terraform needs (see the script).
    python3 packages/test-support/emulator/moto_server.py -H 127.0.0.1 -p "$port" >"$state/moto.log" 2>&1 &
    echo $! >"$state/moto.pid"
    echo "$port" >"$state/moto.port"
    wait_for 60 "AWS emulator on 127.0.0.1:$port" curl -sf "http://127.0.0.1:$port/moto-api/" ||
      die "the AWS emulator did not start (see $state/moto.log)"
  fi
  cat >>"$state/env.new" <<ENV
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
export MOTO_PYTHON=$(python3 -c 'import sys; print(sys.executable)')
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=eu-west-2
export AWS_DEFAULT_REGION=eu-west-2
export AWS_EC2_METADATA_DISABLED=true
export TEST_AWS_ACCOUNT_ID=$emulator_account
ENV
}

start_registry() {
  local port
  if alive "$state/registry.pid"; then
    port=$(cat "$state/registry.port")
  else
    command -v docker-registry >/dev/null || die "docker-registry is not installed (apt-get install docker-registry)"
    command -v htpasswd >/dev/null || die "htpasswd is not installed (apt-get install apache2-utils)"
    port=$(free_port)
    mkdir -p "$state/registry-data"
    htpasswd -Bbn "$registry_user" "$registry_password" >"$state/htpasswd"
    cat >"$state/registry.yml" <<CFG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $state/registry-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: test-services-only
auth:
  htpasswd:
    realm: test-registry
    path: $state/htpasswd
CFG
    docker-registry serve "$state/registry.yml" >"$state/registry.log" 2>&1 &
    echo $! >"$state/registry.pid"
    echo "$port" >"$state/registry.port"
    # 401 means it is up and enforcing auth.
    wait_for 30 "registry on 127.0.0.1:$port" \
      bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/v2/)\" = 401 ]" ||
      die "the registry did not start (see $state/registry.log)"
  fi
  cat >>"$state/env.new" <<ENV
export TEST_REGISTRY=127.0.0.1:$port
export TEST_REGISTRY_USER=$registry_user
export TEST_REGISTRY_PASSWORD=$registry_password
ENV
}

start_dockerd() {
  local sock="$state/docker.sock"
  if ! alive "$state/dockerd.pid"; then
    command -v dockerd >/dev/null || die "dockerd is not installed (apt-get install docker.io)"
    [ "$(id -u)" = 0 ] || die "dockerd needs root; run the tests as root or point DOCKER_HOST at an engine"
    mkdir -p "$state/docker-data" "$exec_root"
    # No iptables or bridge: tests reach only the loopback registry, builds need no network.
    dockerd --data-root "$state/docker-data" --exec-root "$exec_root" \
      --pidfile "$state/dockerd.pid" -H "unix://$sock" \
      --iptables=false --ip-masq=false --bridge=none \
      --insecure-registry 127.0.0.0/8 >"$state/dockerd.log" 2>&1 &
    wait_for 60 "Docker engine on $sock" docker -H "unix://$sock" info ||
      die "the Docker engine did not start (see $state/dockerd.log)"
  fi
  make_busybox_base "unix://$sock"
  cat >>"$state/env.new" <<ENV
export DOCKER_HOST=unix://$sock
export TEST_BUSYBOX_IMAGE=local/busybox:amd64
ENV
}

make_busybox_base() {
  local host=$1
  docker -H "$host" image inspect local/busybox:amd64 >/dev/null 2>&1 && return 0
  local busybox; busybox=$(command -v busybox || true)
  [ -n "$busybox" ] && file_is_static "$busybox" || busybox=/bin/busybox
  [ -x "$busybox" ] || die "busybox is not installed (apt-get install busybox-static)"
  local rootfs="$state/busybox-rootfs"
  rm -rf "$rootfs" && mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
  cp "$busybox" "$rootfs/bin/busybox"
  local applet
  for applet in sh ls cat echo env mkdir rm cp mv wget sleep true false test; do
    ln -s busybox "$rootfs/bin/$applet"
  done
  tar -C "$rootfs" -cf "$state/busybox-rootfs.tar" .
  docker -H "$host" import --platform linux/amd64 --change 'CMD ["/bin/sh"]' \
    "$state/busybox-rootfs.tar" local/busybox:amd64 >/dev/null
  log "base image local/busybox:amd64 imported"
}

file_is_static() { ! ldd "$1" >/dev/null 2>&1; }

stop_pid() { # stop_pid <pidfile> <name> [seconds]
  local f=$1 name=$2 wait_s=${3:-20}
  alive "$f" || { rm -f "$f"; return 0; }
  local pid; pid=$(cat "$f")
  kill "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + wait_s))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
  log "$name stopped"
}

cmd_up() {
  local only=()
  while [ $# -gt 0 ]; do
    case $1 in
      --only) only+=("$2"); shift 2 ;;
      *) die "unknown option $1 (usage: up [--only aws|docker])" ;;
    esac
  done
  [ ${#only[@]} -gt 0 ] || only=(aws docker)
  mkdir -p "$state"
  : >"$state/env.new"
  start_terraform_config
  local s
  for s in "${only[@]}"; do
    case $s in
      aws) start_moto ;;
      docker) start_moto; start_registry; start_dockerd ;;
      *) die "unknown service $s (aws|docker)" ;;
    esac
  done
  find_chromium
  sort -u "$state/env.new" >"$state/env" && rm -f "$state/env.new"
  cat "$state/env"
}

# The dashboard's browser tests drive Debian's chromium (no browser download is possible here).
find_chromium() {
  local c
  for c in "${CHROMIUM_PATH:-}" "$(command -v chromium || true)" "$(command -v chromium-browser || true)"; do
    [ -n "$c" ] && [ -x "$c" ] && { echo "export CHROMIUM_PATH=$c" >>"$state/env.new"; return 0; }
  done
  log "chromium not found (apt-get install chromium): the dashboard's browser tests will not run"
}

cmd_down() {
  stop_pid "$state/dockerd.pid" "Docker engine" 30
  stop_pid "$state/registry.pid" "registry"
  stop_pid "$state/moto.pid" "AWS emulator"
  rm -f "$state/env"
  if [ "${1:-}" = "--purge" ]; then
    rm -rf "$state" "$exec_root"
    log "state removed"
  fi
}

cmd_env() {
  [ -f "$state/env" ] || die "services are not up: run scripts/test-services.sh up"
  cat "$state/env"
}

cmd_status() {
  local name
  for name in moto registry dockerd; do
    if alive "$state/$name.pid"; then echo "$name: running"; else echo "$name: stopped"; fi
  done
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) echo "usage: $0 up [--only aws|docker] | env | down [--purge] | status" >&2; exit 2 ;;
esac
