#!/usr/bin/env bash
# What README command 1 cannot install itself (it needs root or a package source of its own): each
# missing one stops the rehearsal at once, with the command that installs it on Debian/Ubuntu and on
# macOS. Exit 0 when everything is there.
set -uo pipefail

missing=0
need() { # need <what> <why> <debian/ubuntu command> <macOS command>
  missing=$((missing + 1))
  printf 'error: %s is not installed (%s). Install it, then run the command again:\n' "$1" "$2" >&2
  printf '  Debian/Ubuntu: %s\n' "$3" >&2
  printf '  macOS:         %s\n' "$4" >&2
}

command -v node >/dev/null 2>&1 ||
  need 'Node.js 20+' 'every tool of this repository runs on it' \
    'curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs' \
    'brew install node@20'

command -v terraform >/dev/null 2>&1 ||
  need 'terraform (>= 1.10)' 'the rehearsal applies the dev stacks with it' \
    'wget -qO- https://apt.releases.hashicorp.com/gpg | sudo gpg --dearmor -o /usr/share/keyrings/hashicorp.gpg && echo "deb [signed-by=/usr/share/keyrings/hashicorp.gpg] https://apt.releases.hashicorp.com $(lsb_release -cs) main" | sudo tee /etc/apt/sources.list.d/hashicorp.list && sudo apt-get update && sudo apt-get install -y terraform' \
    'brew tap hashicorp/tap && brew install hashicorp/tap/terraform'

# The AWS emulator is moto's server, run by the python3 on PATH (scripts/test-services.sh).
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import moto.server' >/dev/null 2>&1; then
  need "Python moto 5.2.1 (for $(command -v python3 || echo 'python3, also missing'))" 'it is the AWS emulator' \
    "sudo apt-get install -y python3-venv && python3 -m venv ~/.venvs/moto && ~/.venvs/moto/bin/pip install 'moto[server]==5.2.1' && export PATH=~/.venvs/moto/bin:\$PATH" \
    "brew install python@3.12 && python3 -m venv ~/.venvs/moto && ~/.venvs/moto/bin/pip install 'moto[server]==5.2.1' && export PATH=~/.venvs/moto/bin:\$PATH"
fi

[ "$missing" -eq 0 ]
