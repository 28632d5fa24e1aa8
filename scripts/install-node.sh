#!/usr/bin/env bash
# Installs Node and npm (Debian packages `nodejs`, `npm`) when either is missing: scripts/install-interop.sh uses
# them to fetch Node 22 and the reference PDS from the npm registry for RealPdsInteropTest. Idempotent.
# Exit codes: 0 present or installed, 1 the install failed or was not possible (the reason is on stderr).
set -uo pipefail
present() { command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; }
present && exit 0
bash "$(dirname "$0")/apt-install.sh" install-node nodejs npm || exit 1
if ! present; then
  echo "install-node: FAILED: installed, but node or npm is not on the PATH" >&2
  exit 1
fi
echo "install-node: installed node $(node --version)" >&2
