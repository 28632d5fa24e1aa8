#!/usr/bin/env bash
# Installs headless Chromium and its WebDriver (Debian packages `chromium`, `chromium-driver`) for the dashboard
# browser test. Idempotent: does nothing when both binaries are present.
# Exit codes: 0 present or installed, 1 the install failed or was not possible (the reason is on stderr).
# Without the browser, DashboardBrowserTest fails when CI=true and is skipped otherwise.
set -uo pipefail
present() { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }
present && exit 0
bash "$(dirname "$0")/apt-install.sh" install-browser chromium chromium-driver || exit 1
if ! present; then
  echo "install-browser: FAILED: installed, but /usr/bin/chromium or /usr/bin/chromedriver is missing" >&2
  exit 1
fi
echo "install-browser: installed $(/usr/bin/chromium --version 2>/dev/null)" >&2
