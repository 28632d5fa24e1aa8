#!/usr/bin/env bash
# Installs Debian packages for a test's prerequisite: `apt-install.sh NAME PACKAGE...` (NAME prefixes the messages).
# As root, or through `sudo -n`. Exit codes: 0 installed, 1 not possible or failed (the reason is on stderr).
set -uo pipefail
name="$1"
shift
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "$name: FAILED: not root and no sudo; cannot install $*" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }; then
  echo "$name: FAILED: apt-get could not install $*" >&2
  exit 1
fi
