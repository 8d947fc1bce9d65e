#!/usr/bin/env bash
# Starts the local PostgreSQL (127.0.0.1:5432, trust auth) for the tests if it is installed and not running.
set -uo pipefail
if [ -z "${REISROUTE_TEST_PG-1}" ]; then exit 0; fi
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then echo "postgresql is running"; exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$version" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
fi
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && { echo "postgresql started"; exit 0; }
  sleep 1
done
echo "PostgreSQL is not available on 127.0.0.1:5432; set REISROUTE_TEST_PG= (empty) to run without it" >&2
exit 1
