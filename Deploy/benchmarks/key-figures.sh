#!/usr/bin/env bash
# What a key-figure report costs the coordinator who asks for it, beside a small authenticated
# read, in the same run, against one throwaway PostgreSQL (fsync on) and the release server this
# script starts itself with the synthetic demo district of --people people and about --events
# events each (the issue's district: 3,100 people, 150 events):
#   0. GET /me (the reference: token, directory, one small answer).
#   1. GET /key-figures: the district today, the period the last three years. Goal: < 50 ms.
#   2. GET /key-figures?as_of=<a year ago>: the same as of a past cut-off. Goal: < 1 s.
#   3. The same as 2 as known at the end of the load (known_at): the reproduction of a sent report.
#   4. GET /key-figures?team_id=...: one team's figures today.
#   5. GET /key-figures as CSV.
# Each runs for --seconds on one connection: the latency is what the coordinator waits for.
# Then the rebuild of the key-figure read model (`wegweiser rebuild key_figures`, server
# running) against a raw SELECT scan of the same events in reading order. Goal: >= 50 %.
#
# Usage: Deploy/benchmarks/key-figures.sh [--binary-dir .build/release] [--seconds 10] [--people 3100] [--events 150]
set -euo pipefail
cd "$(dirname "$0")/../.."

bin="" seconds=10 people=3100 events=150 port=18092 pgport=55492
while [ $# -gt 0 ]; do
  case "$1" in
    --binary-dir) bin="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    --events) events="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$seconds" -le 60 ] || { echo "--seconds is at most 60" >&2; exit 2; }
[ "$people" -le 200000 ] || { echo "--people is at most 200000" >&2; exit 2; }
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt-get update -q && apt-get install -y -q postgresql; fi
if [ -z "$bin" ]; then
  swift build -c release --product wegweiser
  bin=.build/release
fi
name=key-figures
demo_flags=(--demo-district-people "$people" --demo-district-events "$events")
# shellcheck source=Deploy/benchmarks/demo-server.sh
source Deploy/benchmarks/demo-server.sh

echo "== loading the demo district: $people people, about $events events each, through the command path"
load_start=$(date +%s.%N)
for _ in $(seq 1 36000); do
  [ "$("${psql[@]}" -c "SELECT count(*) FROM streams WHERE category = 'case'")" -ge "$people" ] && break
  sleep 1
done
load_end=$(date +%s.%N)
sleep 2
# What an operator does after loading many events at once (or what autovacuum does a minute
# later): fresh statistics, without which the planner takes the new tables for empty.
"${psql[@]}" -c "ANALYZE"
logged=$("${psql[@]}" -c "SELECT count(*) FROM events")
facts=$("${psql[@]}" -c "SELECT count(*) FROM report_facts")
echo "   $logged events, $facts report facts, in $(python3 -c "print(round($load_end - $load_start))") s"
known_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1.1

coordinator=$("$bin/wegweiser" token "${flags[@]}" --role coordinator --staff demo-coordinator)
auth=(-H "Authorization: Bearer $coordinator")
today=$(date -u +%Y-%m-%d)
three_years=$(date -u -d '3 years ago' +%Y-%m-%d)
year_ago=$(date -u -d '1 year ago' +%Y-%m-%d)
two_years=$(date -u -d '2 years ago' +%Y-%m-%d)
team=$(python3 -c "
import hashlib, uuid
b = bytearray(hashlib.sha256(b'wegweiser-demo:team:Team S\xc3\xbcd').digest()[:16])
b[6] = (b[6] & 0x0F) | 0x50; b[8] = (b[8] & 0x3F) | 0x80
print(uuid.UUID(bytes=bytes(b)))")
today_q="/key-figures?from=$three_years&as_of=$today"
past_q="/key-figures?from=$two_years&as_of=$year_ago"
sent_q="$past_q&known_at=$known_at"
team_q="$today_q&team_id=$team"
status=$(curl -s -o "$work/today.json" -w '%{http_code}' "${auth[@]}" "$base$today_q")
[ "$status" = 200 ] || { echo "GET $today_q answered $status:" >&2; cat "$work/today.json" >&2; tail -5 "$work/server.log" >&2; exit 1; }
python3 - "$work/today.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
rows = {s["key"]: {r["key"]: r.get("count") for r in s["rows"]} for s in report["sections"]}
print(f"   today: {rows['people']['in_counselling']} people in counselling, {rows['consultations']['total']} consultations in the period,"
      f" German B1-B2 {rows['german_level']['b1_b2']}, never recorded {rows['german_level']['never_recorded']}")
PY

run() { wrk -t1 -c1 -d"${seconds}s" --latency "${auth[@]}" "${@:3}" "$base$1" >"$work/$2.txt"; }

echo "== ${seconds} s each, one connection"
run "/me" me
run "$today_q" today
run "$past_q" past
run "$sent_q" sent
run "$team_q" team
run "$today_q" csv -H "Accept: text/csv"

echo "== rebuild of key_figures (server running) against a raw SELECT scan of the events"
scan_start=$(date +%s.%N)
"${psql[@]}" -v FETCH_COUNT=50000 -c "SELECT global_position, transaction_id, stream_id, stream_version, event_id, event_type, schema_version,
  payload, metadata, recorded_at FROM events ORDER BY transaction_id, global_position" >/dev/null
scan_end=$(date +%s.%N)
rebuild_start=$(date +%s.%N)
"$bin/wegweiser" rebuild key_figures "${flags[@]}" >"$work/rebuild.txt"
rebuild_end=$(date +%s.%N)
scan_rate=$(python3 -c "print(round($logged / ($scan_end - $scan_start)))")
rebuild_rate=$(python3 -c "print(round($logged / ($rebuild_end - $rebuild_start)))")

printf '\n%-58s %8s %9s %9s %9s  %s\n' "request ($people people, $logged events)" "req/s" "p50 ms" "p99 ms" "vs ref" "goal"
ref=$(rps me)
for name in me today past sent team csv; do
  case $name in
    me) label="GET /me (reference)"; goal="" ;;
    today) label="1. key figures today (3 years)"; goal="< 50 ms" ;;
    past) label="2. key figures as of a year ago"; goal="< 1 s" ;;
    sent) label="3. the same as known at the end of the load"; goal="< 1 s" ;;
    team) label="4. one team's key figures today"; goal="" ;;
    csv) label="5. key figures today as CSV"; goal="" ;;
  esac
  printf '%-58s %8s %9s %9s %8.1f%%  %s\n' "$label" "$(rps $name)" "$(ms $name 50%)" "$(ms $name 99%)" \
    "$(awk -v a="$(rps $name)" -v b="$ref" 'BEGIN {print 100 * a / b}')" "$goal"
  [ -z "$(non2xx $name)" ] || echo "   ($name: $(non2xx $name) answers were not 2xx)"
done
printf '%-58s %8s %9s %9s %8s%%  %s\n' "6. rebuild events/s (key_figures) vs raw SELECT scan events/s" \
  "$rebuild_rate" "$scan_rate" "" "$(python3 -c "print(round(100 * $rebuild_rate / $scan_rate, 1))")" ">= 50 %"
echo "rebuild: $(tail -1 "$work/rebuild.txt")"
