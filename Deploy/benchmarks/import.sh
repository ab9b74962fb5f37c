#!/usr/bin/env bash
# What `wegweiser import` costs a district switching from its older system: the synthetic demo
# district of --people people (3,100: the largest district of the papers) written as an import
# file by `wegweiser import-example`, checked (--dry-run) and imported against a throwaway
# PostgreSQL (fsync on) while the release server runs, then imported again (nothing to write).
# Beside it, in the same run, the reference: the server's own demo loader writing a district of
# the same size through the same command path (`--demo-district-people`) into a second database.
# Prints the file's size and records, the check's time, people/s and events/s of the import and
# of the reference, and the re-run's time.
#
# Usage: Deploy/benchmarks/import.sh [--binary-dir .build/release] [--people 3100] [--events 60]
set -euo pipefail
cd "$(dirname "$0")/../.."

bin="" people=3100 events=60 port=18093 pgport=55493
while [ $# -gt 0 ]; do
  case "$1" in
    --binary-dir) bin="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    --events) events="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ "$people" -lt 1 ] || [ "$people" -gt 200000 ]; then echo "--people is 1 to 200000" >&2; exit 2; fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt-get update -q && apt-get install -y -q postgresql; fi
if [ -z "$bin" ]; then
  swift build -c release --product wegweiser
  bin=.build/release
fi
name=import
# One synthetic person, so that the demo loader appoints the district's case workers, whom the
# example file's cases are assigned to.
demo_flags=(--demo-district-people 1)
# shellcheck source=Deploy/benchmarks/demo-server.sh
source Deploy/benchmarks/demo-server.sh
cases() { "$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U wegweiser -d "$1" -qAt -c "SELECT count(*) FROM streams WHERE category = 'case'"; }
seconds_since() { python3 -c "import time; print(f'{time.time() - $1:.1f}')"; }
for _ in $(seq 1 600); do [ "$(cases wegweiser)" -ge 1 ] && break; sleep 0.5; done

echo "== the file: wegweiser import-example --people $people --events $events"
"$bin/wegweiser" import-example --people "$people" --events "$events" >"$work/district.jsonl"
echo "   $(wc -l <"$work/district.jsonl") records, $(du -h "$work/district.jsonl" | cut -f1)"
target=(--district 08337 --source older-system "${flags[@]}")

echo "== check (--dry-run)"
start=$(date +%s.%N)
"$bin/wegweiser" import "$work/district.jsonl" --dry-run "${target[@]}" | sed 's/^/   /'
echo "   $(seconds_since "$start") s in all"

echo "== import, the server running"
start=$(date +%s.%N)
"$bin/wegweiser" import "$work/district.jsonl" "${target[@]}" | sed 's/^/   /' | tee "$work/import.txt"
echo "   $(seconds_since "$start") s in all (check and write)"
imported=$(awk '$1 == "Imported" { print $2 }' "$work/import.txt")
[ "$imported" = "$people" ] || { echo "imported $imported people, not $people" >&2; exit 1; }

echo "== the same file again"
start=$(date +%s.%N)
"$bin/wegweiser" import "$work/district.jsonl" "${target[@]}" | sed 's/^/   /'
echo "   $(seconds_since "$start") s in all"
"$bin/wegweiser" verify "${flags[@]}" | sed 's/^/   /'

echo "== reference: the demo loader writes $people people through the same command path"
stop_server
"$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U wegweiser reference
reference_url="postgres://wegweiser:unused@127.0.0.1:$pgport/reference?sslmode=disable"
reference_flags=()
for flag in "${flags[@]}"; do [ "$flag" = "$url" ] && reference_flags+=("$reference_url") || reference_flags+=("$flag"); done
"$bin/wegweiser" demo "${reference_flags[@]}" --demo-district-people "$people" \
  --demo-district-events "$events" --http-port "$port" >>"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do curl -sf "$base/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done
start=$(date +%s.%N)
for _ in $(seq 1 36000); do [ "$(cases reference)" -ge "$people" ] && break; sleep 0.2; done
elapsed=$(seconds_since "$start")
written=$("$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U wegweiser -d reference -qAt -c "SELECT count(*) FROM events")
python3 -c "print(f'   {$people} people, {$written} events in {$elapsed} s ({$people / $elapsed:.0f} people/s, {$written / $elapsed:.0f} events/s)')"
