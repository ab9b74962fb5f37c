#!/usr/bin/env bash
# Appends per second through the EventStore API at 1, 8 and 16 writers, side by side with
# pgbench on an equivalent bare table (the practical limit) and the Python eventsourcing
# library's PostgreSQL recorder, on one throwaway PostgreSQL with fsync on. The contenders take
# turns, each measurement starting from a checkpoint; prints the median of the rounds and every
# round's ratio.
#
# Usage: Deploy/benchmarks/append.sh [--seconds 10] [--rounds 3] [--writers 1,8,16]
#                                    [--streams-per-writer 1] [--event-loops N]
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1; then
  apt-get update -q && apt-get install -y -q postgresql
fi
python3 -c 'import eventsourcing.postgres, psycopg' 2>/dev/null || pip install -q "eventsourcing[postgres]"

swift build -c release --product wegweiser-benchmark
exec .build/release/wegweiser-benchmark "$@"
