#!/usr/bin/env bash
# Key figures at the scale of the state: all 44 districts of Baden-Württemberg, about 150,000
# people and 20 million events, on one throwaway PostgreSQL (fsync on) and the release server.
#   - The demo district (Landkreis Waldshut, 08337) is written through the command path with
#     --people people of about --events events each; then the log is copied, in SQL, into the 43
#     other districts under their own district keys and fresh ids (the copies' personal parts
#     stay sealed under keys the copies do not have: nothing here reads them).
#   - The reporting read model is rebuilt from the whole log (`wegweiser rebuild key_figures`),
#     against a raw SELECT scan of the same events. Goals: < 10 min, rate >= 50 % of the scan.
#   - One district's report through the server (GET /key-figures as its coordinator, wrk, one
#     connection) beside GET /me, and every district's report by the operator's command
#     (`wegweiser key-figures --all-districts`) beside the same command for one district.
#     Goal: all districts < 5 s.
#
# Usage: Deploy/benchmarks/state-scale.sh [--binary-dir .build/release] [--seconds 10] [--people 3410] [--events 133]
#        [--districts 44]
# Needs about 45 GB of disk for 44 districts (the cluster held 42 GB after the run).
set -euo pipefail
cd "$(dirname "$0")/../.."

bin="" seconds=10 people=3410 events=133 districts=44 port=18093 pgport=55493
while [ $# -gt 0 ]; do
  case "$1" in
    --binary-dir) bin="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    --events) events="$2"; shift 2 ;;
    --districts) districts="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$seconds" -le 60 ] || { echo "--seconds is at most 60" >&2; exit 2; }
[ "$districts" -ge 1 ] && [ "$districts" -le 44 ] || { echo "--districts is 1 to 44" >&2; exit 2; }
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt-get update -q && apt-get install -y -q postgresql; fi
if [ -z "$bin" ]; then
  swift build -c release --product wegweiser
  bin=.build/release
fi
name=state-scale
pg_options="-c max_wal_size=16GB -c checkpoint_timeout=30min -c shared_buffers=2GB"
demo_flags=(--demo-district-people "$people" --demo-district-events "$events")
# shellcheck source=Deploy/benchmarks/demo-server.sh
source Deploy/benchmarks/demo-server.sh
seconds_since() { python3 -c "import time; print(round(time.time() - $1, 1))"; }

# The 44 Stadt- und Landkreise; the demo district first.
codes=(08337 08111 08115 08116 08117 08118 08119 08121 08125 08126 08127 08128 08135 08136 08211 08212 08215 08216
  08221 08222 08225 08226 08231 08235 08236 08237 08311 08315 08316 08317 08325 08326 08327 08335 08336 08415 08416
  08417 08421 08425 08426 08435 08436 08437)

echo "== writing the demo district through the command path: $people people, about $events events each"
start=$(date +%s.%N)
for _ in $(seq 1 36000); do
  [ "$("${psql[@]}" -c "SELECT count(*) FROM streams WHERE category = 'case'")" -ge "$people" ] && break
  sleep 2
done
sleep 2
stop_server
echo "   $("${psql[@]}" -c "SELECT count(*) FROM events") events in $(seconds_since "$start") s"

echo "== copying it into $((districts - 1)) more districts"
start=$(date +%s.%N)
copy() {
  # District $2 gets number $1 (two decimal digits, which no id of the demo has in that place:
  # its ids have the variant bits 10 there) in byte 8 of every id.
  # A stream the district has already (the demo's Tübingen has its own district) is left out.
  "${psql[@]}" -v ON_ERROR_STOP=1 -v code="$2" -v tag="$1" <<'SQL'
BEGIN;
CREATE TEMPORARY TABLE renamed ON COMMIT DROP AS
SELECT stream_id AS old, regexp_replace(replace(stream_id, '08337', :'code'),
                                        '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-)[0-9a-f]{2}', '\1' || :'tag', 'gi') AS new
FROM streams WHERE tenant = '08337';
DELETE FROM renamed WHERE new IN (SELECT stream_id FROM streams);
INSERT INTO streams (stream_id, category, tenant, version, created_at, updated_at)
SELECT r.new, s.category, :'code', s.version, s.created_at, s.updated_at FROM streams s JOIN renamed r ON r.old = s.stream_id;
INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata, recorded_at)
SELECT r.new, e.stream_version,
       regexp_replace(e.event_id::text, '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-)[0-9a-f]{2}', '\1' || :'tag', 'gi')::uuid,
       e.event_type, e.schema_version,
       regexp_replace(replace(e.payload::text, '"08337', '"' || :'code'),
                      '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-)[0-9a-f]{2}', '\1' || :'tag', 'gi')::jsonb,
       regexp_replace(e.metadata::text, '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-)[0-9a-f]{2}', '\1' || :'tag', 'gi')::jsonb,
       e.recorded_at
FROM events e JOIN renamed r ON r.old = e.stream_id
ORDER BY e.global_position;
COMMIT;
SQL
}
pids=()
for k in $(seq 1 $((districts - 1))); do
  copy "$(printf '%02d' "$k")" "${codes[$k]}" &
  pids+=($!)
  if (( k % 2 == 0 )); then for pid in "${pids[@]}"; do wait "$pid"; done; pids=(); fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
"${psql[@]}" -c "VACUUM ANALYZE events" -c "VACUUM ANALYZE streams"
logged=$("${psql[@]}" -c "SELECT count(*) FROM events")
echo "   $logged events in $(seconds_since "$start") s"

echo "== rebuild of key_figures against a raw SELECT scan of the same events (server stopped)"
start=$(date +%s.%N)
"${psql[@]}" -v FETCH_COUNT=50000 -c "SELECT global_position, transaction_id, stream_id, stream_version, event_id, event_type, schema_version,
  payload, metadata, recorded_at FROM events ORDER BY transaction_id, global_position" >/dev/null
scan_seconds=$(seconds_since "$start")
start=$(date +%s.%N)
"$bin/wegweiser" rebuild key_figures "${flags[@]}" >"$work/rebuild.txt"
rebuild_seconds=$(seconds_since "$start")
"${psql[@]}" -c "VACUUM ANALYZE report_facts" -c "VACUUM ANALYZE report_fact_totals" -c "VACUUM ANALYZE report_people"
people_all=$("${psql[@]}" -c "SELECT count(DISTINCT client_id) FROM report_people")
facts=$("${psql[@]}" -c "SELECT count(*) FROM report_facts")
echo "   $facts facts of $people_all people; $(tail -1 "$work/rebuild.txt")"

echo "== the server again; waiting for the hash chain to seal the copies"
start_server
start=$(date +%s.%N)
for _ in $(seq 1 36000); do
  [ "$("${psql[@]}" -c "SELECT count(*) FROM event_chain")" -ge "$logged" ] && break
  sleep 5
done
echo "   chain sealed in $(seconds_since "$start") s"

coordinator=$("$bin/wegweiser" token "${flags[@]}" --role coordinator --staff demo-coordinator)
auth=(-H "Authorization: Bearer $coordinator")
today=$(date -u +%Y-%m-%d)
three_years=$(date -u -d '3 years ago' +%Y-%m-%d)
query="/key-figures?from=$three_years&as_of=$today"
run() { wrk -t1 -c1 -d"${seconds}s" --latency "${auth[@]}" "$base$1" >"$work/$2.txt"; }
echo "== ${seconds} s each, one connection"
run "/me" me
run "$query" district
cli() { "$bin/wegweiser" key-figures "$@" --from "$three_years" --as-of "$today" "${flags[@]}"; }
cli --all-districts >"$work/all.json"
timed() {
  local runs=5 total=0 best=999999
  for _ in $(seq 1 $runs); do
    local t0; t0=$(date +%s.%N)
    cli "$@" >/dev/null
    local t; t=$(python3 -c "print(round(1000 * ($(date +%s.%N) - $t0)))")
    total=$((total + t)); ((t < best)) && best=$t
  done
  echo "$((total / runs)) $best"
}
read -r one_mean one_best < <(timed --district 08337)
read -r all_mean all_best < <(timed --all-districts)
python3 - "$work/all.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))["report"]
rows = {s["key"]: {r["key"]: r.get("count") for r in s["rows"]} for s in report["sections"]}
print(f"   all districts: {rows['people']['in_counselling']} people in counselling,"
      f" {rows['consultations']['total']} consultations in the period")
PY

printf '\n%-62s %10s %10s %10s  %s\n' "state scale: $districts districts, $people_all people, $logged events" "" "" "" "goal"
printf '%-62s %10s %10s %10s\n' "request" "req/s" "p50 ms" "p99 ms"
printf '%-62s %10s %10s %10s\n' "GET /me (reference)" "$(rps me)" "$(ms me 50%)" "$(ms me 99%)"
printf '%-62s %10s %10s %10s\n' "GET /key-figures, one district today (3 years)" "$(rps district)" "$(ms district 50%)" "$(ms district 99%)"
printf '%-62s %10s %10s %10s\n' "command" "" "mean ms" "best ms"
printf '%-62s %10s %10s %10s\n' "wegweiser key-figures --district 08337 (reference)" "" "$one_mean" "$one_best"
printf '%-62s %10s %10s %10s  %s\n' "wegweiser key-figures --all-districts" "" "$all_mean" "$all_best" "< 5 s"
printf '%-62s %10s %10s %10s  %s\n' "rebuild key_figures (s)" "" "$rebuild_seconds" "" "< 600 s"
printf '%-62s %10s %10s %10s  %s\n' "rebuild events/s vs raw SELECT scan events/s" \
  "$(python3 -c "print(round($logged / $rebuild_seconds))")" "$(python3 -c "print(round($logged / $scan_seconds))")" \
  "$(python3 -c "print(round(100 * $scan_seconds / $rebuild_seconds, 1))")%" ">= 50 %"
