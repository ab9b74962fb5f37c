#!/usr/bin/env bash
# A day's work of a district's case workers, as load: wrk against the release server
# (`wegweiser demo` on a throwaway PostgreSQL with fsync on) holding the synthetic district of
# --people people (3,100: the largest district of the papers) with about --events events each.
# Four case workers, four connections each, every connection with the worker's own token and
# open cases; per request, at random:
#   40 %  GET /cases?limit=50                      the caseload (sorted by name: names opened)
#   30 %  GET /cases/{id}                           one case
#   15 %  GET /cases/{id}/consultations?limit=20    its consultations
#   10 %  POST /cases/{id}/consultations            a consultation logged
#    5 %  POST /cases/{id}/observations             an observation recorded
# Prints throughput, p50/p99 latency, the answers by status and the error rate, and the
# server's resident memory before, at its peak during and after the load; beside it, in the
# same run, the same connections asking GET /me (the reference: a token checked, a small
# answer). Goals (issue 17): no errors; RSS < 200 MB.
#
# Usage: Deploy/load/mixed.sh [--binary-dir .build/release] [--seconds 30] [--people 3100] [--events 60]
set -euo pipefail
cd "$(dirname "$0")/../.."

bin="" seconds=30 people=3100 events=60 port=18094 pgport=55494
while [ $# -gt 0 ]; do
  case "$1" in
    --binary-dir) bin="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    --events) events="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ "$seconds" -lt 5 ] || [ "$seconds" -gt 300 ]; then echo "--seconds is 5 to 300" >&2; exit 2; fi
if [ "$people" -lt 100 ] || [ "$people" -gt 200000 ]; then echo "--people is 100 to 200000" >&2; exit 2; fi
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt-get update -q && apt-get install -y -q postgresql; fi
if [ -z "$bin" ]; then
  swift build -c release --product wegweiser
  bin=.build/release
fi
# shellcheck disable=SC2034 # read by demo-server.sh
name=mixed
# shellcheck disable=SC2034 # read by demo-server.sh
demo_flags=(--demo-district-people "$people" --demo-district-events "$events")
# shellcheck source=Deploy/benchmarks/demo-server.sh
source Deploy/benchmarks/demo-server.sh

echo "== loading the district: $people people, about $events events each"
for _ in $(seq 1 36000); do
  [ "$("${psql[@]}" -c "SELECT count(*) FROM streams WHERE category = 'case'")" -ge "$people" ] && break
  sleep 1
done
sleep 2
"${psql[@]}" -c "ANALYZE"
echo "   $("${psql[@]}" -c "SELECT count(*) FROM events") events"

rss() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$server/status"; }
rss_peak() { # samples the server's VmRSS every 0.2 s until $1 exists; prints the peak in MB
  local peak=0 now
  while [ ! -e "$1" ]; do
    now=$(rss 2>/dev/null || echo 0)
    [ "${now:-0}" -gt "$peak" ] && peak=$now
    sleep 0.2
  done
  echo "$peak"
}

# The four workers' tokens and open cases, written into the wrk script.
today=$(date -u +%F)
{
  echo "local workers = {"
  for staff in demo-worker-a demo-im-01 demo-im-02 demo-im-03; do
    token=$("$bin/wegweiser" token "${flags[@]}" --role case_worker --staff "$staff")
    cases=$(curl -sf -H "Authorization: Bearer $token" "$base/cases?sort=id&limit=200" |
      python3 -c 'import json,sys; print(",".join("\"%s\"" % c["id"] for c in json.load(sys.stdin)["items"]))')
    [ -n "$cases" ] || { echo "$staff has no open case" >&2; exit 1; }
    echo "  { token = \"$token\", cases = { $cases } },"
  done
  echo "}"
  cat <<LUA
local consultation = '{"held_on":"$today","duration_minutes":30,"place":"office","note":"Gespräch"}'
local observation = '{"field":"german_level","value":{"status":"value","code":"b1"},"observed_on":"$today"}'
LUA
  cat <<'LUA'
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end
function init(args)
  local worker = workers[((index - 1) % #workers) + 1]
  token, cases, statuses = worker.token, worker.cases, {}
  math.randomseed(index * 7919)
end
function request()
  local r = math.random(100)
  local case = cases[math.random(#cases)]
  local headers = { ["Authorization"] = "Bearer " .. token }
  if r <= 40 then return wrk.format("GET", "/cases?limit=50", headers) end
  if r <= 70 then return wrk.format("GET", "/cases/" .. case, headers) end
  if r <= 85 then return wrk.format("GET", "/cases/" .. case .. "/consultations?limit=20", headers) end
  headers["Content-Type"] = "application/json"
  if r <= 95 then return wrk.format("POST", "/cases/" .. case .. "/consultations", headers, consultation) end
  return wrk.format("POST", "/cases/" .. case .. "/observations", headers, observation)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses")) do total[code] = (total[code] or 0) + count end
  end
  for code, count in pairs(total) do io.write(string.format("status %d %d\n", code, count)) end
  local e = summary.errors
  io.write(string.format("socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("requests %d\nseconds %.3f\n", summary.requests, summary.duration / 1e6))
  io.write(string.format("p50 %.1f\np99 %.1f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
} >"$work/mixed.lua"

cat >"$work/me.lua" <<'LUA'
function done(summary, latency, requests)
  io.write(string.format("requests %d\nseconds %.3f\n", summary.requests, summary.duration / 1e6))
  io.write(string.format("p50 %.1f\np99 %.1f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
value() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

echo "== reference: GET /me, 16 connections, 10 s"
worker=$("$bin/wegweiser" token "${flags[@]}" --role case_worker --staff demo-worker-a)
wrk -t4 -c16 -d10s -s "$work/me.lua" -H "Authorization: Bearer $worker" "$base/me" >"$work/me.txt"
before=$(rss)

echo "== the mixed load: 4 workers × 4 connections, ${seconds} s"
rm -f "$work/load.done"
(rss_peak "$work/load.done" >"$work/peak.txt") &
sampler=$!
wrk -t4 -c16 -d"${seconds}s" --timeout 10s -s "$work/mixed.lua" "$base/cases" >"$work/mixed.txt" 2>&1
touch "$work/load.done"
wait "$sampler"
sleep 2
after=$(rss)

requests=$(value requests "$work/mixed.txt")
ok=$(awk '$1 == "status" && $2 >= 200 && $2 < 300 { n += $3 } END { print n + 0 }' "$work/mixed.txt")
failed=$(awk '$1 == "status" && ($2 < 200 || $2 >= 300) { n += $3 } END { print n + 0 }' "$work/mixed.txt")
socket=$(value socket_errors "$work/mixed.txt")
echo
printf '%-40s %12s %10s %10s\n' "" "requests/s" "p50 (ms)" "p99 (ms)"
printf '%-40s %12s %10s %10s\n' "GET /me (reference)" \
  "$(python3 -c "print(round($(value requests "$work/me.txt") / $(value seconds "$work/me.txt")))")" \
  "$(value p50 "$work/me.txt")" "$(value p99 "$work/me.txt")"
printf '%-40s %12s %10s %10s\n' "mixed: caseloads, cases, writes" \
  "$(python3 -c "print(round($requests / $(value seconds "$work/mixed.txt")))")" \
  "$(value p50 "$work/mixed.txt")" "$(value p99 "$work/mixed.txt")"
echo
echo "answers: $(awk '$1 == "status" { printf "%s × %s  ", $3, $2 }' "$work/mixed.txt")socket errors: $socket"
echo "error rate: $(python3 -c "print(f'{100 * ($failed + $socket) / max($requests, 1):.2f}')") %   goal 0"
echo "server RSS: $before MB before, $(cat "$work/peak.txt") MB at the peak, $after MB after   goal < 200"
echo "log after the load: $("${psql[@]}" -c "SELECT count(*) FROM events") events"
[ "$failed" -eq 0 ] && [ "$socket" -eq 0 ] && [ "$ok" -gt 0 ]
