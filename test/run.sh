#!/usr/bin/env bash
# The project's one test command (`npm test`): installs what the suites need when it is
# missing, then type-checks, lints, builds and runs every suite. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v ansible-playbook >/dev/null 2>&1 || missing+=(ansible-core)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test: installing ${missing[*]} with apt-get"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# node_modules from the lock file when absent or older than it.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
fi

# A Node 24 binary (the npm package node@24) for the bundle's smoke test.
if [ ! -x .tmp/node24/node_modules/node/bin/node ]; then
  mkdir -p .tmp/node24
  npm install --prefix .tmp/node24 --no-save --no-package-lock --no-audit --no-fund node@24 >/dev/null
fi
export GSI_NODE24_BIN="$PWD/.tmp/node24/node_modules/node/bin/node"

npm run --silent typecheck
npm run --silent lint
npm run --silent build
npx vitest run "$@"
