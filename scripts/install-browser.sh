#!/usr/bin/env bash
# Installs headless Chromium and its WebDriver (Debian packages `chromium`, `chromium-driver`) for the dashboard
# browser test. Idempotent: does nothing when both binaries are present. Never fails the build: without root or
# network the browser test skips itself loudly instead.
set -uo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "install-browser: not root and no sudo; the dashboard browser test will be skipped" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if $SUDO apt-get update -qq >/dev/null \
   && $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; then
  echo "install-browser: installed $(/usr/bin/chromium --version 2>/dev/null)" >&2
else
  echo "install-browser: could not install chromium/chromium-driver; the dashboard browser test will be skipped" >&2
fi
exit 0
