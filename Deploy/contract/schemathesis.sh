#!/usr/bin/env bash
# Checks the running server against openapi.yaml with schemathesis: every phase (examples,
# coverage, fuzzing, stateful), every check, a fixed seed and a bounded number of examples per
# operation. It starts `wegweiser demo` on a free port with its own PostgreSQL in a temporary
# folder and runs twice: with a case worker's token and with an admin's (whose own record the run
# cannot deactivate, demote or re-subject). Exit 0 only if both runs find nothing.
#
#   Deploy/contract/schemathesis.sh                       # builds (debug) first
#   Deploy/contract/schemathesis.sh --binary-dir .build/release --max-examples 50
#
# Schemathesis is installed once, pinned, into .build/schemathesis-VERSION (a virtual
# environment; nothing is installed system-wide). The answers it may give besides the defaults
# are in schemathesis.toml.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=4.32.5 bin="" max_examples=25 seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --binary-dir) bin="$2"; shift 2 ;;
    --max-examples) max_examples="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) echo "unknown option $1 (--binary-dir DIR, --max-examples N, --seed N)" >&2; exit 2 ;;
  esac
done

# Hypothesis describes its strategies by parsing their source, which CPython 3.11 can fail on
# ("AST constructor recursion depth mismatch"); a newer Python is preferred where there is one.
python=""
for candidate in python3.13 python3.12 "$HOME/.pyenv/versions/3.13.0/bin/python3" \
  "$HOME/.pyenv/versions/3.12.1/bin/python3" python3; do
  if "$candidate" -c 'import venv' >/dev/null 2>&1; then python="$candidate"; break; fi
done
venv=".build/schemathesis-$version"
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$version"; then
  rm -rf "$venv"
  "$python" -m venv "$venv" || { echo "needs python3 with venv (Debian: apt-get install -y python3-venv)" >&2; exit 1; }
  "$venv/bin/pip" install -q "schemathesis==$version"
fi

if [ -z "$bin" ]; then
  swift build --product wegweiser
  bin=.build/debug
fi

work=$(mktemp -d)
chmod 755 "$work"
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# A change stream (GET /changes/stream) ends after a second here instead of a minute.
"$bin/wegweiser" demo --postgres-directory "$work/postgres" --http-port "$port" --changes-stream-seconds 1 \
  >"$work/server.log" 2>&1 &
server=$!
cleanup() {
  kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

url="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  curl -sf "$url/health/ready" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.5
done
curl -sf "$url/health/ready" >/dev/null || { echo "the server did not become ready" >&2; tail -20 "$work/server.log" >&2; exit 1; }

status=0
for who in "case_worker demo-worker-a" "admin demo-admin"; do
  set -- $who
  token=$("$bin/wegweiser" token --postgres-directory "$work/postgres" --role "$1" --staff "$2")
  echo "== schemathesis as $2 ($1), seed $seed, at most $max_examples examples per operation"
  "$venv/bin/st" --config-file schemathesis.toml --no-color run openapi.yaml --url "$url" \
    -H "Authorization: Bearer $token" --checks all --seed "$seed" --max-examples "$max_examples" \
    --workers 2 --warnings off || status=1
done
if grep -q " status=5" "$work/server.log"; then
  echo "the server answered 5xx:" >&2
  grep " status=5" "$work/server.log" | head -5 >&2
  status=1
fi
exit $status
