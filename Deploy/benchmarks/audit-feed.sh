#!/usr/bin/env bash
# What an auditor and a front end wait for, against one throwaway PostgreSQL (fsync on) and the
# release server this script starts itself with the synthetic demo district of --people people
# and about --events events each (the issue's district: 3,100 people over three years):
#   1. Replaying the district's audit feed (GET /audit/events, 1,000 per page, following the
#      Link headers) and verifying it offline with Deploy/audit/verify-feed.py against a signed
#      checkpoint — beside a raw SELECT of the same events in chain order (the reference).
#   2. The latency of the change feed's live tail: a case worker holds GET /changes/stream open
#      while consultations are written to one of their cases; from the write's answer to the
#      change's arrival over SSE — beside the write's own latency (the reference).
#
# Usage: Deploy/benchmarks/audit-feed.sh [--binary-dir .build/release] [--people 3100] [--events 150] [--samples 50]
set -euo pipefail
cd "$(dirname "$0")/../.."

bin="" people=3100 events=150 samples=50 port=18094 pgport=55494
while [ $# -gt 0 ]; do
  case "$1" in
    --binary-dir) bin="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    --events) events="$2"; shift 2 ;;
    --samples) samples="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$people" -le 200000 ] || { echo "--people is at most 200000" >&2; exit 2; }
[ "$samples" -le 1000 ] || { echo "--samples is at most 1000" >&2; exit 2; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt-get update -q && apt-get install -y -q postgresql; fi
python3 -c 'import cryptography' 2>/dev/null || pip install -q cryptography
if [ -z "$bin" ]; then
  swift build -c release --product wegweiser
  bin=.build/release
fi
name=audit-feed
demo_flags=(--demo-district-people "$people" --demo-district-events "$events" --changes-stream-seconds 3600)
# shellcheck source=Deploy/benchmarks/demo-server.sh
source Deploy/benchmarks/demo-server.sh

echo "== loading the demo district: $people people, about $events events each, through the command path"
for _ in $(seq 1 36000); do
  [ "$("${psql[@]}" -c "SELECT count(*) FROM streams WHERE category = 'case'")" -ge "$people" ] && break
  sleep 1
done
sleep 2
"${psql[@]}" -c "ANALYZE"
echo "== waiting for the hash chains to seal the log"
seal_start=$(date +%s.%N)
for _ in $(seq 1 36000); do
  [ "$("${psql[@]}" -c "SELECT (SELECT count(*) FROM events) = (SELECT count(*) FROM district_chain)")" = t ] && break
  sleep 1
done
seal_end=$(date +%s.%N)
district_events=$("${psql[@]}" -c "SELECT count(*) FROM district_chain WHERE tenant = '08337'")
echo "   $district_events events of district 08337 sealed ($(python3 -c "print(round($seal_end - $seal_start))") s after the load)"

auditor=$("$bin/wegweiser" token "${flags[@]}" --role auditor --staff demo-auditor)
worker=$("$bin/wegweiser" token "${flags[@]}" --role case_worker --staff demo-worker-a)
curl -sf -X POST -H "Authorization: Bearer $auditor" "$base/audit/checkpoints" >/dev/null

echo "== 1. replaying the feed and verifying it offline, beside a raw SELECT of the same events"
scan_start=$(date +%s.%N)
"${psql[@]}" -v FETCH_COUNT=50000 -c "SELECT d.district_position, d.previous_hash, d.hash, e.global_position, e.stream_id,
  e.stream_version, e.event_id, e.event_type, e.schema_version, e.payload::text, e.metadata::text, e.recorded_at
  FROM district_chain d JOIN event_chain c ON c.log_position = d.log_position JOIN events e ON e.global_position = c.global_position
  WHERE d.tenant = '08337' ORDER BY d.district_position" >/dev/null
scan_end=$(date +%s.%N)
python3 Deploy/audit/verify-feed.py --server "$base" --token "$auditor" --limit 1000 >"$work/verify.txt" || {
  cat "$work/verify.txt" >&2; exit 1; }
cat "$work/verify.txt" | sed 's/^/   /'
scan_rate=$(python3 -c "print(round($district_events / ($scan_end - $scan_start)))")
fetch_rate=$(awk '/^fetched/ {gsub(/[(,]/, "", $7); print $7}' "$work/verify.txt")
verify_rate=$(awk '/^INTACT/ {gsub(/[(,]/, "", $8); print $8}' "$work/verify.txt")

echo "== 2. the live tail: $samples consultations written to one of worker A's cases while their SSE stream is open"
python3 - "$base" "$worker" "$samples" >"$work/sse.txt" <<'PY'
import http.client, json, statistics, sys, threading, time, urllib.parse, urllib.request

base, token, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
host = urllib.parse.urlparse(base)
arrived = {}  # case version -> arrival time
ready = threading.Event()

def request(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as response:
        return json.load(response)

client = request("POST", "/clients", {"given_name": "Sam", "family_name": "Messung", "target_group": "refugee_follow_up_housing"})
case = request("POST", "/cases", {"client_id": client["id"], "opening": "direct_intake", "opened_on": time.strftime("%Y-%m-%d")})

def listen():
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
    connection.request("GET", "/changes/stream", headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"})
    response = connection.getresponse()
    ready.set()
    data = []
    while True:
        line = response.readline()
        if not line:
            return
        line = line.decode().rstrip("\n")
        if line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and data:
            change = json.loads("".join(data))
            data = []
            if change["object_id"] == case["id"] and change["type"] == "case.consultation_logged":
                arrived[change["version"]] = time.monotonic()

threading.Thread(target=listen, daemon=True).start()
ready.wait(10)
time.sleep(1)
writes, tails = [], []
for i in range(samples):
    start = time.monotonic()
    made = request("POST", f"/cases/{case['id']}/consultations",
                   {"held_on": time.strftime("%Y-%m-%d"), "duration_minutes": 30, "place": "office"})
    answered = time.monotonic()
    version = 2 + i
    while version not in arrived and time.monotonic() - answered < 10:
        time.sleep(0.001)
    if version in arrived:
        tails.append((arrived[version] - answered) * 1000)
    writes.append((answered - start) * 1000)
    time.sleep(0.2)

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
print(f"write {len(writes)} {pct(writes, 50):.1f} {pct(writes, 99):.1f}")
print(f"tail {len(tails)} {pct(tails, 50) if tails else float('nan'):.1f} {pct(tails, 99) if tails else float('nan'):.1f}")
PY
read -r _ writes write50 write99 < <(grep '^write' "$work/sse.txt")
read -r _ tails tail50 tail99 < <(grep '^tail' "$work/sse.txt")

printf '\n%-64s %12s %12s  %s\n' "measurement ($people people, $district_events events in the district)" "figure" "reference" ""
printf '%-64s %12s %12s  %s\n' "1. feed replay over HTTP, events/s (ref: raw SELECT, events/s)" "$fetch_rate" "$scan_rate" \
  "$(python3 -c "print(f'{100 * $fetch_rate / $scan_rate:.1f} % of the raw read; the district in {$district_events / $fetch_rate:.0f} s')")"
printf '%-64s %12s %12s  %s\n' "   offline verification (verify-feed.py), events/s" "$verify_rate" "" ""
printf '%-64s %12s %12s  %s\n' "2. SSE tail: write answered -> change arrived, p50 / p99 ms" "$tail50 / $tail99" \
  "$write50 / $write99" "ref: the write itself, p50 / p99 ms ($tails of $writes arrived)"
