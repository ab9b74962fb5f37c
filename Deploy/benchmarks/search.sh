#!/usr/bin/env bash
# What finding people costs a user, beside what reading one person costs, in the same run,
# against one throwaway PostgreSQL (fsync on) and the server this script starts itself:
#   1. GET /clients/{id}: one person, the name opened (the reference).
#   2. GET /clients?name=muhammad: a search over keyed tokens in a caseload of --people
#      people (the name matches about one in twelve: Mohammed, Muhammad, Mohamad, …).
#   3. GET /clients?limit=50: the first page of the whole caseload sorted by name, which
#      opens every name in scope.
# Each runs for --seconds on 4 connections; the figures are requests/s and latency p50/p99.
#
# Usage: Deploy/benchmarks/search.sh [--binary-dir .build/release] [--seconds 10] [--people 1000]
set -euo pipefail
cd "$(dirname "$0")/../.."

bin="" seconds=10 people=1000 port=18091 pgport=55491
while [ $# -gt 0 ]; do
  case "$1" in
    --binary-dir) bin="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$seconds" -le 60 ] || { echo "--seconds is at most 60" >&2; exit 2; }
[ "$people" -le 5000 ] || { echo "--people is at most 5000 (a search considers at most 5,000 people)" >&2; exit 2; }
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt-get update -q && apt-get install -y -q postgresql; fi
if [ -z "$bin" ]; then
  swift build -c release --product wegweiser
  bin=.build/release
fi
name=search
# shellcheck source=Deploy/benchmarks/demo-server.sh
source Deploy/benchmarks/demo-server.sh
worker=$("$bin/wegweiser" token "${flags[@]}" --role case_worker --staff demo-worker-a)
auth=(-H "Authorization: Bearer $worker")

echo "== registering $people people in one caseload"
one=$(python3 - "$base" "$worker" "$people" <<'PY'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
given = ["Mohammed", "Amal", "Karim", "Lina", "Muhammad", "Olena", "Yusuf", "Fatima", "Ahmad", "Mariam", "Hussein", "Mohamad"]
family = ["Haddad", "Al-Hassan", "Rahimi", "Tesfaye", "Kovalenko", "Osman", "Nasser", "Yilmaz", "Ahmadi", "Hussaini"]
def register(n):
    body = json.dumps({"given_name": given[n % len(given)], "family_name": f"{family[n % len(family)]} {n}",
                       "year_of_birth": 1960 + n % 50, "target_group": "refugee_follow_up_housing"}).encode()
    request = urllib.request.Request(base + "/clients", data=body, method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))["id"]
with ThreadPoolExecutor(8) as pool:
    ids = list(pool.map(register, range(count)))
print(ids[0])
PY
)
found=$(python3 - "$base" "$worker" <<'PY'
import json, sys, urllib.request
base, token, cursor, count = sys.argv[1], sys.argv[2], None, 0
while True:
    url = base + "/clients?name=muhammad&limit=200" + (f"&cursor={cursor}" if cursor else "")
    page = json.load(urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": "Bearer " + token})))
    count += len(page["items"])
    cursor = page.get("next_cursor")
    if not cursor:
        break
print(count)
PY
)
echo "   a search for 'muhammad' finds $found of $people"

run() { wrk -t4 -c4 -d"${seconds}s" --latency "${auth[@]}" "$base$1" >"$work/$2.txt"; }

echo "== 1. GET /clients/{id} (reference), 2. GET /clients?name=muhammad, 3. GET /clients?limit=50; ${seconds} s each, 4 connections"
run "/clients/$one" one
run "/clients?name=muhammad&limit=50" search
run "/clients?limit=50" sorted

printf '\n%-46s %10s %9s %9s %9s\n' "request ($people people in the caseload)" "req/s" "p50 ms" "p99 ms" "vs ref"
ref=$(rps one)
for name in one search sorted; do
  case $name in one) label="GET /clients/{id} (reference)" ;; search) label="GET /clients?name=muhammad" ;; sorted) label="GET /clients?limit=50 (all, by name)" ;; esac
  printf '%-46s %10s %9s %9s %8.1f%%\n' "$label" "$(rps $name)" "$(ms $name 50%)" "$(ms $name 99%)" \
    "$(awk -v a="$(rps $name)" -v b="$ref" 'BEGIN {print 100 * a / b}')"
  [ -z "$(non2xx $name)" ] || echo "   ($name: $(non2xx $name) answers were not 2xx)"
done
