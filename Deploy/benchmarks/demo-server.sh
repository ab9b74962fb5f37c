# Sourced by the benchmarks that measure through the server: starts a throwaway PostgreSQL
# (fsync on) on port $pgport and `wegweiser demo` from $bin on port $port against it, and stops
# both on exit. Needs $bin, $port, $pgport and $name (for the temporary folder); takes
# $demo_flags (default: no synthetic district, so that it does not load beside a measurement)
# and $pg_options (more `-c name=value` for PostgreSQL); sets pgbin, work, url, psql, flags,
# base and server, and defines stop_server and start_server (the same server again), and
# rps, ms and non2xx, which read requests/s, a latency percentile in ms and the non-2xx
# count from wrk's output in $work/NAME.txt.
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

work=$(mktemp -d "/tmp/wegweiser-$name.XXXXXX")
chmod 755 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  as_pg "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_pg "$pgbin/initdb" -D "$work/pg" -U wegweiser --auth=trust >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w \
  -o "-p $pgport -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 ${pg_options:-}" start >/dev/null
"$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U wegweiser wegweiser
url="postgres://wegweiser:unused@127.0.0.1:$pgport/wegweiser?sslmode=disable"
psql=("$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U wegweiser -d wegweiser -qAt)
flags=(--database-url "$url" --keys-master "$(head -c 32 /dev/urandom | base64)"
  --auth-development-external-database true --auth-development-key-file "$work/dev.pem" --log-level error)
base="http://127.0.0.1:$port"

[ -n "${demo_flags+x}" ] || demo_flags=(--demo-district-people 0)
start_server() {
  "$bin/wegweiser" demo "${flags[@]}" "${demo_flags[@]}" --http-port "$port" >>"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -sf "$base/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf "$base/health/ready" >/dev/null || { cat "$work/server.log" >&2; exit 1; }
}
stop_server() {
  kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  server=""
}
start_server
rps() { awk '/Requests\/sec/ {print $2}' "$work/$1.txt"; }
ms() { awk -v p="$2" '$1 == p {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$work/$1.txt"; }
non2xx() { awk '/Non-2xx/ {print $5}' "$work/$1.txt"; }
