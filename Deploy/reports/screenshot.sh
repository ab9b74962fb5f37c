#!/usr/bin/env bash
# Renders the printed key-figure page and a trajectory page of the demo district in a real
# headless browser (Chromium) and checks what it rendered: the charts are there (one SVG per
# section, bars drawn, the trajectory's lines), nothing failed to load (the page needs no
# network), and the screenshots and PDFs are not empty. Writes them to --out.
#
# Usage: Deploy/reports/screenshot.sh [--binary-dir .build/debug] [--out /tmp/wegweiser-reports] [--people 300]
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=".build/debug" out="/tmp/wegweiser-reports" people=300 port=18093 pgport=55493
while [ $# -gt 0 ]; do
  case "$1" in
    --binary-dir) bin="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v chromium >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt-get update -q && apt-get install -y -q postgresql; fi
[ -x "$bin/wegweiser" ] || swift build --product wegweiser
name=reports
demo_flags=(--demo-district-people "$people" --demo-district-events 40)
# shellcheck source=Deploy/benchmarks/demo-server.sh
source Deploy/benchmarks/demo-server.sh
for _ in $(seq 1 600); do
  [ "$("${psql[@]}" -c "SELECT count(*) FROM streams WHERE category = 'case'")" -ge "$people" ] && break
  sleep 0.5
done
sleep 1.1
mkdir -p "$out"
token=$("$bin/wegweiser" token "${flags[@]}" --role coordinator --staff demo-coordinator)
from=$(date -u -d '3 years ago' +%Y-%m-%d)
curl -sf -H "Authorization: Bearer $token" -H "Accept: text/html" "$base/key-figures?from=$from" >"$out/key-figures.html"
curl -sf -H "Authorization: Bearer $token" -H "Accept: text/html" \
  "$base/trajectories?measure=german_level&cohort_from=$from&cohort_to=$(date -u -d '1 year ago' +%Y-%m-%d)" >"$out/trajectory.html"

browser=(chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions)
for page in key-figures trajectory; do
  "${browser[@]}" --window-size=1240,1754 --screenshot="$out/$page.png" "file://$out/$page.html" 2>/dev/null
  "${browser[@]}" --no-pdf-header-footer --print-to-pdf="$out/$page.pdf" "file://$out/$page.html" 2>/dev/null
  "${browser[@]}" --dump-dom "file://$out/$page.html" 2>/dev/null >"$out/$page.dom.html"
done
python3 - "$out" <<'PY'
import os, re, sys
out = sys.argv[1]
def check(condition, message):
    print(("ok    " if condition else "FAIL  ") + message)
    return condition
fine = True
dom = open(os.path.join(out, "key-figures.dom.html"), encoding="utf-8").read()
source = open(os.path.join(out, "key-figures.html"), encoding="utf-8").read()
sections = source.count("<section>")
fine &= check(sections > 10, f"the key-figure page has {sections} sections")
fine &= check(dom.count("<svg") == sections, f"the browser's DOM holds one chart per section ({dom.count('<svg')})")
bars = len(re.findall(r'<rect [^>]*width="([1-9][0-9]*)"', dom))
fine &= check(bars > 20, f"{bars} bars are drawn with a width")
trajectory = open(os.path.join(out, "trajectory.dom.html"), encoding="utf-8").read()
fine &= check(trajectory.count("<polyline") >= 4, f"the trajectory draws {trajectory.count('<polyline')} lines")
for name in ["key-figures.png", "trajectory.png", "key-figures.pdf", "trajectory.pdf"]:
    size = os.path.getsize(os.path.join(out, name))
    fine &= check(size > 10_000, f"{name}: {size:,} bytes")
sys.exit(0 if fine else 1)
PY
echo "written to $out: key-figures.png/.pdf, trajectory.png/.pdf"
