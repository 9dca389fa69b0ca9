# Sourced (not run) by scripts that need the real services: prepares the machine, starts the
# test services, exports their variables, and stops them when the calling script exits, even
# after a failure.
bash scripts/bootstrap.sh
trap 'scripts/test-services.sh down >/dev/null 2>&1 || true' EXIT
scripts/test-services.sh up >/dev/null
eval "$(scripts/test-services.sh env)"
