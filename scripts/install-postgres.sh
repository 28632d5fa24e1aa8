#!/usr/bin/env bash
# Installs Debian's Postgres server (package `postgresql`) when no /usr/lib/postgresql/*/bin/pg_ctl exists: the
# database crash tests (testing/ExternalPostgres) start it themselves from a temporary directory on a free port and
# crash it while the service runs. No default cluster is created or started. Idempotent.
# Exit codes: 0 present or installed, 1 the install failed or was not possible (the reason is on stderr).
set -uo pipefail
present() { ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; }
present && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
# postgresql-common reads this before it would create and start a cluster named main on port 5432.
if ! { $SUDO mkdir -p /etc/postgresql-common \
       && echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null; }; then
  echo "install-postgres: FAILED: cannot write /etc/postgresql-common/createcluster.conf" >&2
  exit 1
fi
bash "$(dirname "$0")/apt-install.sh" install-postgres postgresql || exit 1
if ! present; then
  echo "install-postgres: FAILED: installed, but no /usr/lib/postgresql/*/bin/pg_ctl" >&2
  exit 1
fi
echo "install-postgres: installed $(ls -d /usr/lib/postgresql/*/bin | head -n1)" >&2
