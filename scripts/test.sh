#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, then runs pytest, ruff, mypy --strict and
# import-linter's layers contract.
#
#   bash scripts/test.sh [pytest args]
#
# nginx: the rendered configurations are checked with real nginx (Debian's `nginx` package). When it is missing and
# we are root with apt-get, it is installed; otherwise the nginx tests are skipped with a message naming the package.
# Under CI=true a missing nginx is a failure, and so is pytest's "no tests ran" (exit 5).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

have_nginx() { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }

# Debian packages the tests run: nginx (rendered configs, rehearsals) and openssl (the CLI cross-checks chains).
missing=()
have_nginx || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing Debian's ${missing[*]} (apt-get)"
    # RUNLEVEL=1 keeps the package's post-install from starting a system nginx on port 80.
    (apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
      || echo "!! apt-get could not install ${missing[*]}"
  fi
fi
if ! have_nginx; then
  if [ "${CI:-}" = "true" ]; then
    echo "!! nginx is required in CI (Debian package 'nginx'); failing" >&2
    exit 1
  fi
  echo "!! nginx not found: tests that run real nginx will be skipped (install it: apt-get install nginx)"
fi

echo "== installing mtls-inspect with test and dev extras"
$PY -m pip install -q --disable-pip-version-check -e '.[test,dev]' || { echo "!! pip install failed" >&2; exit 1; }

status=0
echo "== pytest"
$PY -m pytest -q "$@"
rc=$?
if [ $rc -eq 5 ]; then
  echo "!! pytest collected no tests: that is a failure" >&2
  status=1
elif [ $rc -ne 0 ]; then
  status=1
fi

echo "== ruff"
$PY -m ruff check inspector tests scripts || status=1

echo "== mypy --strict inspector"
$PY -m mypy --strict inspector || status=1

echo "== lint-imports (the layers contract in pyproject.toml)"
$PY -c 'import sys; from importlinter.cli import lint_imports_command; sys.argv[0] = "lint-imports"; lint_imports_command()' \
  || status=1

if [ $status -eq 0 ]; then echo "== all green"; else echo "!! some checks failed" >&2; fi
exit $status
