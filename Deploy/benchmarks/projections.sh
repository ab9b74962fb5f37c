#!/usr/bin/env bash
# Issue 12's four figures, each beside its reference measured in the same run, against a
# release build on one throwaway PostgreSQL (fsync on) that this script starts itself:
#   1. HTTP write rate: consultation POSTs through the running server, 16 connections, one case
#      each, against the store-level append rate of 16 writers (wegweiser-benchmark, EventStore
#      API, its own cluster on this machine, right after). Goal: >= 30 %.
#   2. An authenticated GET of a small resource (`/me`) against `/health/live`, 16 connections.
#      Goal: >= 50 %.
#   3. Write latency p50/p99 of a consultation POST on a case with 5 events and one with 500,
#      one connection each. Goal: within 1.2x.
#   4. Rebuild rate of all read models (`wegweiser rebuild --all`, while the server runs)
#      against a raw `SELECT` scan of the same events in reading order (psql). Goal: >= 50 %.
#      So that fixed costs (starting the command, copying the tables) do not decide it, the
#      log is first grown to --log-events by copying the case streams written above under new
#      case ids (same events, in one transaction), and the hash chain is let catch up.
#
# Usage: Deploy/benchmarks/projections.sh [--binary-dir .build/release] [--seconds 10] [--log-events 100000]
set -euo pipefail
cd "$(dirname "$0")/../.."

bin="" seconds=10 log_events=100000 port=18090 pgport=55490
while [ $# -gt 0 ]; do
  case "$1" in
    --binary-dir) bin="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --log-events) log_events="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$seconds" -le 60 ] || { echo "--seconds is at most 60" >&2; exit 2; }
[ "$log_events" -le 2000000 ] || { echo "--log-events is at most 2000000" >&2; exit 2; }
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt-get update -q && apt-get install -y -q postgresql; fi
if [ -z "$bin" ]; then
  swift build -c release --product wegweiser
  swift build -c release --product wegweiser-benchmark
  bin=.build/release
fi
name=projections
# shellcheck source=Deploy/benchmarks/demo-server.sh
source Deploy/benchmarks/demo-server.sh
worker=$("$bin/wegweiser" token "${flags[@]}" --role case_worker --staff demo-worker-a)
auth=(-H "Authorization: Bearer $worker")
json=(-H 'Content-Type: application/json')

new_case() {
  local client
  client=$(curl -sf "${auth[@]}" "${json[@]}" -d '{"family_name":"Bench","target_group":"refugee_follow_up_housing"}' \
    "$base/clients" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -sf "${auth[@]}" "${json[@]}" -d "{\"client_id\":\"$client\",\"opening\":\"direct_intake\",\"opened_on\":\"2026-01-05\"}" \
    "$base/cases" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
consultation='{"held_on":"2026-02-01","duration_minutes":30,"place":"office","note":"Gespräch"}'
rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
ms() { awk -v p="$2" '$1 == p {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$1"; }

echo "== 1. HTTP write rate: consultation POSTs, 16 connections, one case each, ${seconds} s"
cases=""
for _ in $(seq 1 16); do cases="$cases\"$(new_case)\","; done
cat >"$work/write.lua" <<LUA
local cases = {${cases%,}}
local counter = 0
function setup(thread) counter = counter + 1; thread:set("id", cases[counter]) end
function init(args) wrk.method = "POST"; wrk.body = '$consultation'; wrk.headers["Content-Type"] = "application/json"
  wrk.path = "/cases/" .. id .. "/consultations" end
function request() return wrk.format(nil, wrk.path) end
LUA
wrk -t16 -c16 -d"${seconds}s" --latency -s "$work/write.lua" "${auth[@]}" "$base/" >"$work/write.txt"
http_writes=$(rps "$work/write.txt")
non2xx=$(awk '/Non-2xx/ {print $5}' "$work/write.txt")

echo "== 2. authenticated GET /me against /health/live, 16 connections, ${seconds} s each"
wrk -t4 -c16 -d"${seconds}s" "$base/health/live" >"$work/live.txt"
wrk -t4 -c16 -d"${seconds}s" "${auth[@]}" "$base/me" >"$work/me.txt"

echo "== 3. write latency: consultation POSTs on a case with 5 events and on one with 500, 1 connection, ${seconds} s each"
short=$(new_case) long=$(new_case)
for _ in 1 2 3 4; do curl -sf "${auth[@]}" "${json[@]}" -d "$consultation" "$base/cases/$short/consultations" >/dev/null; done
python3 - "$base/cases/$long/consultations" "$worker" "$consultation" <<'PY'
import sys, urllib.request
url, token, body = sys.argv[1], sys.argv[2], sys.argv[3].encode()
for _ in range(499):
    request = urllib.request.Request(url, data=body, method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
PY
cat >"$work/post.lua" <<LUA
wrk.method = "POST"; wrk.body = '$consultation'; wrk.headers["Content-Type"] = "application/json"
LUA
wrk -t1 -c1 -d"${seconds}s" --latency -s "$work/post.lua" "${auth[@]}" "$base/cases/$short/consultations" >"$work/short.txt"
wrk -t1 -c1 -d"${seconds}s" --latency -s "$work/post.lua" "${auth[@]}" "$base/cases/$long/consultations" >"$work/long.txt"

echo "== 4. rebuild of all read models (server running) against a raw SELECT scan of the events"
"${psql[@]}" -v target="$log_events" <<'SQL'
-- Copies of every case stream under new case and client ids, enough of them for the target size.
CREATE TEMP TABLE copies AS
  SELECT s.stream_id AS original, 'case-' || upper(gen_random_uuid()::text) AS copy,
         upper(gen_random_uuid()::text) AS client, s.tenant, s.version
  FROM streams s,
       generate_series(1, greatest(0, ceil((:target - (SELECT count(*) FROM events))::numeric
                                           / (SELECT count(*) FROM events WHERE stream_id LIKE 'case-%'))::int))
  WHERE s.category = 'case';
BEGIN;
INSERT INTO streams (stream_id, category, tenant, version) SELECT copy, 'case', tenant, version FROM copies;
INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata)
  SELECT c.copy, e.stream_version, gen_random_uuid(), e.event_type, e.schema_version,
         CASE WHEN e.event_type = 'case.opened'
              THEN e.payload || jsonb_build_object('id', substr(c.copy, 6), 'client_id', c.client) ELSE e.payload END,
         e.metadata
  FROM copies c JOIN events e ON e.stream_id = c.original
  ORDER BY c.copy, e.stream_version;
COMMIT;
SQL
events=$("${psql[@]}" -c "SELECT count(*) FROM events")
for _ in $(seq 1 600); do
  [ "$("${psql[@]}" -c "SELECT count(*) FROM event_chain")" -ge "$events" ] && break
  sleep 0.5
done
scan_start=$(date +%s.%N)
"${psql[@]}" -c "SELECT global_position, transaction_id, stream_id, stream_version, event_id, event_type, schema_version,
  payload, metadata, recorded_at FROM events ORDER BY transaction_id, global_position" >/dev/null
scan_end=$(date +%s.%N)
rebuild_start=$(date +%s.%N)
"$bin/wegweiser" rebuild --all "${flags[@]}" >"$work/rebuild.txt"
rebuild_end=$(date +%s.%N)
scan_rate=$(python3 -c "print(round($events / ($scan_end - $scan_start)))")
rebuild_rate=$(python3 -c "print(round($events / ($rebuild_end - $rebuild_start)))")

echo "== 1b. store-level append rate, 16 writers (wegweiser-benchmark, its own cluster), ${seconds} s"
"$bin/wegweiser-benchmark" --writers 16 --seconds "$seconds" --rounds 1 >"$work/store.txt" 2>&1 || true
store=$(awk -F'|' '$1 ~ /^16 / {gsub(/ /, "", $2); print $2}' "$work/store.txt")

pct() { python3 -c "a, b = float('${1:-0}' or 0), float('${2:-0}' or 0); print(f'{100 * a / b:.1f} %' if b else 'n/a')"; }
times() { python3 -c "a, b = float('${1:-0}' or 0), float('${2:-0}' or 0); print(f'{b / a:.2f}x' if a else 'n/a')"; }
echo
echo "Figures (release build, $(nproc) cores, fsync on):"
printf '%-62s %14s %14s %10s  %s\n' "measure" "value" "reference" "ratio" "goal"
printf '%-62s %14s %14s %10s  %s\n' "1. HTTP consultation POSTs/s (16 conn.) vs store appends/s (16)" \
  "$http_writes" "${store:-n/a}" "$(pct "$http_writes" "$store")" ">= 30 %"
printf '%-62s %14s %14s %10s  %s\n' "2. GET /me req/s vs GET /health/live req/s (16 conn.)" \
  "$(rps "$work/me.txt")" "$(rps "$work/live.txt")" "$(pct "$(rps "$work/me.txt")" "$(rps "$work/live.txt")")" ">= 50 %"
printf '%-62s %14s %14s %10s  %s\n' "3. POST p50 ms, case with 500 events vs with 5" \
  "$(ms "$work/long.txt" 50%)" "$(ms "$work/short.txt" 50%)" "$(times "$(ms "$work/short.txt" 50%)" "$(ms "$work/long.txt" 50%)")" "<= 1.2x"
printf '%-62s %14s %14s %10s  %s\n' "   POST p99 ms, case with 500 events vs with 5" \
  "$(ms "$work/long.txt" 99%)" "$(ms "$work/short.txt" 99%)" "$(times "$(ms "$work/short.txt" 99%)" "$(ms "$work/long.txt" 99%)")" "<= 1.2x"
printf '%-62s %14s %14s %10s  %s\n' "4. rebuild events/s (all read models) vs raw SELECT scan events/s" \
  "$rebuild_rate" "$scan_rate" "$(pct "$rebuild_rate" "$scan_rate")" ">= 50 %"
echo
echo "HTTP write p50/p99: $(ms "$work/write.txt" 50%) / $(ms "$work/write.txt" 99%) ms; non-2xx answers: ${non2xx:-0}; events in the log: $events"
echo "rebuild: $(tail -1 "$work/rebuild.txt")"
