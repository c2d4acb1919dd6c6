#!/usr/bin/env bash
# Installs the system packages the test suite and the benchmark need, from Debian's archive:
# PostgreSQL server binaries, Chromium (driven by the browser tests), wrk and nginx (the proxy in
# front of `make cluster` and its test, started by them as a plain process). Runs apt only as
# root on Debian and only for what is missing; elsewhere it says what to install by hand.
set -euo pipefail

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql postgresql-contrib)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
[ -x /usr/sbin/nginx ] || missing+=(nginx)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Installed packages start no service of their own (nginx would take port 80): the cluster
  # starts its own nginx on a free port.
  policy=/usr/sbin/policy-rc.d
  made_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$made_policy" ]; then rm -f "$policy"; fi
else
  echo "WARNING: missing system packages: ${missing[*]}" >&2
  echo "WARNING: install them (e.g. sudo apt-get install ${missing[*]}); the suites that need them will be skipped." >&2
fi
