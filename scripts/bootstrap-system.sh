#!/usr/bin/env bash
# Installs the system packages the test suite needs (PostgreSQL server, Redis server, Chromium)
# from Debian's packages when they are missing. Idempotent; `apt-get update` runs only when
# something is missing.
set -euo pipefail
want=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || want+=(postgresql)
[ -x /usr/bin/chromium ] || want+=(chromium)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || want+=(redis-server)
if [ "${#want[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "bootstrap: missing ${want[*]}; run as root or install them: apt-get install ${want[*]}" >&2
    exit 1
  fi
  echo "bootstrap: installing ${want[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
fi
# PostgreSQL refuses to run as root; the test run starts its server as this user.
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi
