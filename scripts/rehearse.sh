#!/usr/bin/env bash
# The local rehearsal (README command 1): the whole delivery path on this machine, no AWS
# account needed. Installs what is missing, starts the local services, then
#   1. validates the configuration of every environment,
#   2. applies the dev infrastructure against the AWS emulator (local terraform state), then runs
#      the migration task to its end and only then moves the server service to the new revision,
#   3. builds the image, logs in through the emulator's ECR auth and pushes it to the local
#      registry, then verifies it is linux/amd64,
#   4. plans the flow deployments (offline: manifest validated, work-pool job template rendered
#      from step 2's outputs),
# and tears everything down at the end unless --keep is given.
#   scripts/rehearse.sh [--keep]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)

keep=false
for arg in "$@"; do
  case $arg in
    --keep) keep=true ;;
    *) echo "usage: scripts/rehearse.sh [--keep]" >&2; exit 2 ;;
  esac
done

work=.rehearsal
# Its own service instances, apart from the test suite's (scripts/test-services.sh).
export TEST_SERVICES_DIR=$repo/$work/services
summary=()
step() { # step <name> <command...>: runs one step with its timing
  local name=$1; shift
  printf '\n\033[1m▶ %s\033[0m\n' "$name"
  local t0=$SECONDS
  "$@"
  local took=$((SECONDS - t0))
  summary+=("$(printf '%-34s %4ss' "$name" "$took")")
}

teardown() {
  if [ "$keep" = true ]; then
    printf '\nkept: services (TEST_SERVICES_DIR=%s scripts/test-services.sh down to stop) and %s/\n' "$TEST_SERVICES_DIR" "$work"
    return
  fi
  if [ -f "$work/infra-applied" ]; then
    printf '\n▶ destroying the rehearsal infrastructure\n'
    node packages/infra/bin/platform-infra.js destroy --env dev --backend local --auto-approve \
      >"$work/destroy.log" 2>&1 || echo "warning: destroy failed (see $work/destroy.log)"
  fi
  scripts/test-services.sh down --purge >/dev/null 2>&1 || true
}

step "install what is missing" bash scripts/bootstrap.sh
[ -d "$work/services" ] && scripts/test-services.sh down --purge >/dev/null 2>&1
rm -rf "$work" && mkdir -p "$work"
trap teardown EXIT

docker_ok=true
# moto creates services with no running task and never moves a deployment along; with this its
# services report their desired tasks running, so the server release can wait for "completed".
export MOTO_ECS_SERVICE_RUNNING=1
start_services() {
  scripts/test-services.sh up --only aws >/dev/null
  if ! scripts/test-services.sh up --only docker >/dev/null 2>"$work/docker.err"; then
    docker_ok=false
    echo "Docker engine could not be started here ($(tail -1 "$work/docker.err")): the image step is skipped"
  fi
  scripts/test-services.sh env
}
step "start local services" start_services >"$work/services.env"
grep -v '^export' "$work/services.env" || true
eval "$(grep '^export' "$work/services.env")"

# The rehearsal targets the emulator's account; everything else is dev's real configuration.
export PLATFORM_ENV=dev PLATFORM_AWS__ACCOUNT_ID=$TEST_AWS_ACCOUNT_ID PLATFORM_AWS__REGION=$AWS_REGION

step "build the workspace" pnpm exec nx run-many -t build --output-style=static
step "validate configuration" node packages/config/bin/platform-config.js validate
node packages/config/bin/platform-config.js show

# The digest the task definitions pin: the pushed image's, or (no Docker engine) a fixed stand-in,
# since moto's ECS never pulls. Emulator only: see packages/infra/README.md.
standin_digest=sha256:$(printf 'rehearsal without docker' | sha256sum | cut -d' ' -f1)
image_digest() {
  if [ -f "$work/image.json" ]; then node -p 'require(process.argv[1]).digest' "$repo/$work/image.json"; else echo "$standin_digest"; fi
}
apply_stack() { # apply_stack <bootstrap|platform> [platform-infra args...]
  local stack=$1 digest; shift
  digest=$(image_digest)
  # Marked before the apply: a half-applied stack is torn down too.
  touch "$work/infra-applied"
  PLATFORM_IMAGE__DIGEST=$digest PLATFORM_IMAGE__DEPLOYER_DIGEST=$digest \
    node packages/infra/bin/platform-infra.js apply --env dev --backend local --auto-approve --stack "$stack" "$@"
}

# First the bootstrap stack: it creates the ECR repository the image is pushed to.
step "apply dev bootstrap stack (emulator)" apply_stack bootstrap

publish_image() {
  if [ "$docker_ok" != true ]; then echo "skipped: no Docker engine"; return 0; fi
  node packages/image-builder/bin/image-builder.js publish --env dev --image rehearsal \
    --registry "$TEST_REGISTRY" --output "$repo/$work/image.json"
}
# Then the image: the task definitions the platform stack writes pin its digest.
step "build, push and verify the image" publish_image

step "apply dev platform stack (emulator)" apply_stack platform --outputs-file "$repo/$work/infra-outputs.json"

# The release step of every deploy: the migration task runs to its end, and only then does the
# server service move to the new task definition (packages/infra/README.md, "Migrations").
release_server() {
  # moto runs no containers: its state manager moves a task one step per DescribeTasks until
  # STOPPED (exit code 0), as a finished `prefect server database upgrade -y` would.
  curl -sf -X POST "$AWS_ENDPOINT_URL/moto-api/state-manager/set-transition" -H 'content-type: application/json' \
    -d '{"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1}}' >/dev/null
  node packages/infra/bin/platform-release.js roll --env dev --outputs-file "$repo/$work/infra-outputs.json"
}
step "migrate, then roll the server (emulator)" release_server

plan_flows() {
  local image_args=()
  [ -f "$work/image.json" ] && image_args=(--image-result "$repo/$work/image.json")
  node apps/flows-deployer/bin/flows-deployer.js plan --env dev --offline \
    --manifest "$repo/apps/flows-deployer/prefect.yaml" --infra-outputs "$repo/$work/infra-outputs.json" "${image_args[@]}"
}
step "plan flow deployments (offline)" plan_flows
step "estimate the monthly cost" node packages/ops/bin/platform-ops.js cost --env dev

printf '\n\033[1mRehearsal summary\033[0m\n'
printf '  %s\n' "${summary[@]}"
if [ -f "$work/infra-outputs.json" ]; then
  node -e '
    const o = require(process.argv[1]);
    const v = (k) => (o[k] && typeof o[k] === "object" && "value" in o[k] ? o[k].value : o[k]);
    for (const k of ["prefect_url", "ecs_cluster_arn", "ecr_repository_url", "api_auth_secret_arn"]) console.log(`  ${k.padEnd(22)} ${v(k)}`);
  ' "$repo/$work/infra-outputs.json"
fi
[ -f "$work/image.json" ] && node -e 'const r=require(process.argv[1]); console.log(`  image digest           ${r.digest}`)' "$repo/$work/image.json"
echo "rehearsal: ok"
