#!/usr/bin/env bash
# `nx affected -t deploy` in delivery order: infra, then the image, then the flows.
# Nx has no order-only edge between projects: a real dependency (implicitDependencies) would
# make an image-only change redeploy infra too. So this asks Nx what is affected and runs each
# affected project's deploy target in that fixed order; each still goes through Nx (build first).
#   scripts/deploy-affected.sh [--dry-run] [nx affected args: --base=.. --head=.. | --files=..]
# PLATFORM_ENV selects the environment. In CircleCI, ECR_PUSH_AWS_PROFILE and DEPLOY_AWS_PROFILE
# name the OIDC-assumed profiles for the image push and for everything else.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dry_run=false
nx_args=()
for arg in "$@"; do
  case $arg in
    --dry-run) dry_run=true ;;
    *) nx_args+=("$arg") ;;
  esac
done

DELIVERY_ORDER=(infra image-builder flows-deployer)
affected=$(pnpm exec nx show projects --affected --withTarget=deploy "${nx_args[@]}")
plan=()
for project in "${DELIVERY_ORDER[@]}"; do
  grep -qx "$project" <<<"$affected" && plan+=("$project")
done
for project in $affected; do
  [[ " ${DELIVERY_ORDER[*]} " == *" $project "* ]] || { echo "error: $project has a deploy target but no place in DELIVERY_ORDER ($0)" >&2; exit 1; }
done

echo "environment: ${PLATFORM_ENV:-dev}"
echo "deploy order: ${plan[*]:-(nothing affected)}"
[ "$dry_run" = true ] && exit 0

artifacts=.deploy
mkdir -p "$artifacts"
rm -f "$artifacts"/*.json

# The deployer reads infra's outputs and the pushed image; when infra was not part of this
# deploy, its outputs come from the environment's terraform state (read-only).
prepare_flows_deployer() {
  if [ ! -f "$artifacts/infra-outputs.json" ]; then
    node packages/infra/bin/platform-infra.js output --outputs-file "$artifacts/infra-outputs.json"
  fi
  export FLOWS_DEPLOYER_INFRA_OUTPUTS=$PWD/$artifacts/infra-outputs.json
  [ -f "$artifacts/image.json" ] && export FLOWS_DEPLOYER_IMAGE_RESULT=$PWD/$artifacts/image.json
  if [ -z "${PREFECT_API_AUTH_STRING:-}" ] && [ -z "${PREFECT_API_KEY:-}" ]; then
    local secret
    secret=$(node -e 'const o=require(process.argv[1]); const v=o.api_auth_secret_arn; console.log(v && v.value !== undefined ? v.value : v)' "$PWD/$artifacts/infra-outputs.json")
    PREFECT_API_AUTH_STRING=$(aws secretsmanager get-secret-value --secret-id "$secret" --query SecretString --output text)
    export PREFECT_API_AUTH_STRING
  fi
}

for project in "${plan[@]}"; do
  profile=${DEPLOY_AWS_PROFILE:-${AWS_PROFILE:-}}
  [ "$project" = flows-deployer ] && AWS_PROFILE=$profile prepare_flows_deployer
  [ "$project" = image-builder ] && profile=${ECR_PUSH_AWS_PROFILE:-$profile}
  echo "▶ $project:deploy${profile:+ (AWS profile $profile)}"
  env ${profile:+AWS_PROFILE=$profile} pnpm exec nx run "$project:deploy" --output-style=static
done
