#!/usr/bin/env bash
# Overload, on loopback only and bounded in time (about 45 s of load in all): floods
# `GET /cases` with 500 connections against a release build of `wegweiser demo` (its own
# throwaway PostgreSQL) and prints, side by side with the same figures measured idle:
#   - `/health/live` latency (p50, p99) idle and during the flood,
#   - the flood's answers by status (200 served, 503 shed), beside what 16 connections get
#     from `GET /cases` without a flood,
#   - the server's peak resident memory,
#   - how long SIGTERM takes to stop the server during a second flood,
#   - the cost of the access log: requests/s and p50 of a read that logs personal data
#     (`GET /staff-members/{id}` by an admin) against the same kind of read that logs nothing
#     (`GET /organisations/{id}`), 16 connections each,
#   - the cost of asking who is asking: an authenticated `GET /me` (a small resource) against
#     `/health/live`, 16 connections each (issue 12's goal: at least 50 %), and
#     `GET /code-lists` (17.6 KB of JSON) beside them,
#   - write latency: a consultation POST on a case with 5 events against one with 500,
#     one connection each (issue 12's goal: within 1.2×).
# Goals (issue 11): /health/live p99 < 100 ms under the flood, RSS < 300 MB, stop < 5 s.
#
# Usage: Deploy/load/overload.sh [--binary PATH] [--port 18080] [--flood-seconds 20]
set -euo pipefail
cd "$(dirname "$0")/../.."

binary="" port=18080 flood=20
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --flood-seconds) flood="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$flood" -le 30 ] || { echo "--flood-seconds is at most 30" >&2; exit 2; }

command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt-get update -q && apt-get install -y -q postgresql; fi
if [ -z "$binary" ]; then
  swift build -c release --product wegweiser
  binary=.build/release/wegweiser
fi

work=$(mktemp -d /tmp/wegweiser-overload.XXXXXX)
chmod 755 "$work"
base="http://127.0.0.1:$port"
flags=(--postgres-directory "$work/postgres" --http-port "$port" --log-level error)
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_server() {
  "$binary" demo "${flags[@]}" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do
    curl -sf "$base/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the server did not become ready; its log:" >&2
  cat "$work/server.log" >&2
  exit 1
}

cat >"$work/status.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses")) do total[code] = (total[code] or 0) + count end
  end
  for code, count in pairs(total) do io.write(string.format("status %d %d\n", code, count)) end
end
LUA

# p50 and p99 in ms from `wrk --latency` output.
percentiles() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    END { printf "%.1f %.1f\n", p50, p99 }' "$1"
}
rss_peak() { # samples VmRSS of $1 every 0.2 s until $2 exists; prints the peak in MB
  local peak=0 now
  while [ ! -e "$2" ]; do
    now=$(awk '/VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0)
    [ "${now:-0}" -gt "$peak" ] && peak=$now
    sleep 0.2
  done
  echo $((peak / 1024))
}

start_server
token() { "$binary" token "${flags[@]}" --role "$1" --staff "$2"; }
worker=$(token case_worker demo-worker-a)
admin=$(token admin demo-admin)
auth=(-H "Authorization: Bearer $worker")

# A caseload of 20 clients with every personal field at its maximum.
long() { python3 -c "print('x' * $1)"; }
for i in $(seq 1 20); do
  client=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' \
    -d "{\"given_name\":\"$(long 200)\",\"family_name\":\"Haddad $i\",\"address\":\"$(long 500)\",\"email\":\"$(long 200)\",\"phone\":\"$(long 100)\",\"target_group\":\"refugee_follow_up_housing\"}" \
    "$base/clients" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -sf "${auth[@]}" -H 'Content-Type: application/json' \
    -d "{\"client_id\":\"$client\",\"opening\":\"direct_intake\",\"opened_on\":\"2026-01-05\"}" "$base/cases" >/dev/null
done
staff=$(curl -sf -H "Authorization: Bearer $admin" "$base/staff-members?limit=200" |
  python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin)["items"] if s["subject"] == "demo-worker-a2"][0])')
organisation=$(curl -sf -H "Authorization: Bearer $admin" "$base/organisations" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

echo "== /health/live idle (1 connection, 3 s)"
wrk -t1 -c1 -d3s --latency "$base/health/live" >"$work/idle.txt"
read -r idle50 idle99 < <(percentiles "$work/idle.txt")

echo "== GET /cases without a flood (16 connections, 5 s): the reference for what the flood serves"
wrk -t2 -c16 -d5s --latency "${auth[@]}" "$base/cases" >"$work/cases.txt"
cases_rps=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$work/cases.txt")
read -r cases50 _ < <(percentiles "$work/cases.txt")

echo "== flood: GET /cases, 500 connections, ${flood} s; /health/live probed beside it"
rm -f "$work/flood.done"
(rss_peak "$server" "$work/flood.done" >"$work/rss.txt") &
sampler=$!
wrk -t2 -c500 -d"${flood}s" --timeout 10s -s "$work/status.lua" "${auth[@]}" "$base/cases" >"$work/flood.txt" 2>&1 &
flooder=$!
sleep 1
wrk -t1 -c1 -d"$((flood - 3))s" --latency --timeout 5s "$base/health/live" >"$work/live.txt" 2>&1
wait "$flooder"
touch "$work/flood.done"
wait "$sampler"
read -r live50 live99 < <(percentiles "$work/live.txt")
served=$(awk '$1 == "status" && $2 == 200 { print $3 }' "$work/flood.txt")
shed=$(awk '$1 == "status" && $2 == 503 { print $3 }' "$work/flood.txt")
other=$(awk '$1 == "status" && $2 != 200 && $2 != 503 { n += $3 } END { print n + 0 }' "$work/flood.txt")
errors=$(grep -E "Socket errors" "$work/flood.txt" || echo "Socket errors: none")

echo "== cost of the access log: 16 connections, 5 s each"
wrk -t2 -c16 -d5s --latency -H "Authorization: Bearer $admin" "$base/staff-members/$staff" >"$work/logged.txt"
wrk -t2 -c16 -d5s --latency -H "Authorization: Bearer $admin" "$base/organisations/$organisation" >"$work/unlogged.txt"
logged_rps=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$work/logged.txt")
unlogged_rps=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$work/unlogged.txt")
read -r logged50 _ < <(percentiles "$work/logged.txt")
read -r unlogged50 _ < <(percentiles "$work/unlogged.txt")

echo "== who is asking: authenticated GET /me and GET /code-lists against /health/live, 16 connections, 5 s each"
wrk -t2 -c16 -d5s --latency "$base/health/live" >"$work/live16.txt"
wrk -t2 -c16 -d5s --latency "${auth[@]}" "$base/me" >"$work/me.txt"
wrk -t2 -c16 -d5s --latency "${auth[@]}" "$base/code-lists" >"$work/codelists.txt"
live_rps=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$work/live16.txt")
codelists_rps=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$work/codelists.txt")
me_rps=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$work/me.txt")
read -r me50 _ < <(percentiles "$work/me.txt")
read -r live16_50 _ < <(percentiles "$work/live16.txt")
read -r codelists50 _ < <(percentiles "$work/codelists.txt")

echo "== write latency: consultation POSTs on a case with 5 events and on one with 500, 1 connection, 5 s each"
open_case() {
  local client
  client=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' \
    -d '{"family_name":"Lang","target_group":"refugee_follow_up_housing"}' "$base/clients" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -sf "${auth[@]}" -H 'Content-Type: application/json' \
    -d "{\"client_id\":\"$client\",\"opening\":\"direct_intake\",\"opened_on\":\"2026-01-05\"}" "$base/cases" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
consultation='{"held_on":"2026-02-01","duration_minutes":30,"place":"office","note":"Gespräch"}'
short=$(open_case)
long=$(open_case)
for _ in $(seq 1 4); do
  curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d "$consultation" "$base/cases/$short/consultations" >/dev/null
done
python3 - "$base/cases/$long/consultations" "$worker" "$consultation" <<'PY'
import sys, urllib.request
url, token, body = sys.argv[1], sys.argv[2], sys.argv[3].encode()
for _ in range(499):
    request = urllib.request.Request(url, data=body, method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
PY
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$consultation'
wrk.headers["Content-Type"] = "application/json"
LUA
wrk -t1 -c1 -d5s --latency -s "$work/post.lua" "${auth[@]}" "$base/cases/$short/consultations" >"$work/short.txt"
wrk -t1 -c1 -d5s --latency -s "$work/post.lua" "${auth[@]}" "$base/cases/$long/consultations" >"$work/long.txt"
read -r short50 short99 < <(percentiles "$work/short.txt")
read -r long50 long99 < <(percentiles "$work/long.txt")

echo "== SIGTERM during a second flood"
wrk -t2 -c500 -d15s --timeout 10s "${auth[@]}" "$base/cases" >/dev/null 2>&1 &
flooder=$!
sleep 4
started=$(date +%s.%N)
kill -TERM "$server"
while kill -0 "$server" 2>/dev/null; do sleep 0.05; done
stopped=$(date +%s.%N)
wait "$server" 2>/dev/null || true
server=""
kill "$flooder" 2>/dev/null || true
wait "$flooder" 2>/dev/null || true
stop=$(python3 -c "print(f'{$stopped - $started:.2f}')")

echo
printf '%-44s %12s %12s\n' "" "idle" "flood"
printf '%-44s %12s %12s\n' "/health/live p50 (ms)" "$idle50" "$live50"
printf '%-44s %12s %12s\n' "/health/live p99 (ms)   goal < 100" "$idle99" "$live99"
echo
echo "flood answers: ${served:-0} × 200 ($(( ${served:-0} / flood ))/s), ${shed:-0} × 503 (shed), $other other; $errors"
echo "GET /cases without a flood, 16 connections: $cases_rps/s, p50 $cases50 ms"
echo "peak RSS during the flood: $(cat "$work/rss.txt") MB   goal < 300"
echo "SIGTERM to exit under load: ${stop} s   goal < 5"
echo
printf '%-44s %12s %12s\n' "" "requests/s" "p50 (ms)"
printf '%-44s %12s %12s\n' "GET /organisations/{id} (no access log)" "$unlogged_rps" "$unlogged50"
printf '%-44s %12s %12s\n' "GET /staff-members/{id} (access log entry)" "$logged_rps" "$logged50"
printf '%-44s %12s %12s\n' "GET /health/live (no token)" "$live_rps" "$live16_50"
printf '%-44s %12s %12s\n' "GET /me (bearer token)" "$me_rps" "$me50"
printf '%-44s %12s %12s\n' "GET /code-lists (bearer token, 17.6 KB)" "$codelists_rps" "$codelists50"
echo "authenticated GET /me / GET /health/live: $(( 100 * me_rps / live_rps )) %   goal (issue 12) >= 50 %"
echo
printf '%-44s %12s %12s\n' "consultation POST, 1 connection" "p50 (ms)" "p99 (ms)"
printf '%-44s %12s %12s\n' "case with 5 events" "$short50" "$short99"
printf '%-44s %12s %12s\n' "case with 500 events" "$long50" "$long99"
echo "500 / 5 events, p50: $(python3 -c "print(f'{$long50 / $short50:.2f}')")×   goal (issue 12) <= 1.2×"
