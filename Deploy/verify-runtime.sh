#!/bin/sh
# Checks that the runtime image of Deploy/Containerfile holds every shared library the
# wegweiser binary needs, names the Debian package each comes from, and runs the binary once.
#
#   Deploy/verify-runtime.sh                      # the image wegweiser:latest (podman or docker)
#   Deploy/verify-runtime.sh IMAGE                # another image
#   Deploy/verify-runtime.sh --binary PATH        # a binary on this (Debian) host instead
#   CONTAINER_ENGINE=docker Deploy/verify-runtime.sh
#
# Exits 1 if a library is missing ("not found" from ldd) or the binary does not run.
# ldd lists what is loaded directly and through other libraries, so the packages printed are
# more than the Containerfile names: it names the top ones (libcurl4 brings libssl3, zlib1g,
# libnghttp2, ...), plus the data packages ca-certificates and tzdata, which ldd cannot see.
# In the image, "(no package)" should not appear: it means a library outside Debian's.
set -eu

# The check itself, run inside the image (or on the host): $1 is the binary. Single quotes on
# purpose: it expands where it runs.
# shellcheck disable=SC2016
check='
set -eu
bin="$1"
echo "binary: $bin"
out=$(ldd "$bin" 2>&1) || { echo "$out"; echo "FAIL: ldd could not read $bin"; exit 1; }
echo "$out" | sed "s/^/  /"
if echo "$out" | grep -q "not found"; then
  echo "FAIL: missing libraries:"; echo "$out" | grep "not found"; exit 1
fi
echo "packages of the libraries it loads:"
echo "$out" | awk "/=> \\// { print \$3 } /^[[:space:]]*\\// { print \$1 }" | while read -r lib; do
  real=$(readlink -f "$lib")
  pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || echo "(no package): $lib")
  echo "  ${pkg%%:*}"
done | sort -u
for f in /etc/ssl/certs/ca-certificates.crt /usr/share/zoneinfo/Europe/Berlin; do
  [ -e "$f" ] || { echo "FAIL: $f is missing"; exit 1; }
done
echo "trust roots and time zones: present"
"$bin" --help >/dev/null 2>&1 || { echo "FAIL: $bin --help did not exit 0"; exit 1; }
echo "wegweiser --help: ok"
echo "PASS"
'

if [ "${1:-}" = "--binary" ]; then
  [ -n "${2:-}" ] || { echo "usage: $0 --binary PATH" >&2; exit 2; }
  exec sh -c "$check" verify-runtime "$2"
fi

image="${1:-wegweiser:latest}"
engine="${CONTAINER_ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v podman >/dev/null 2>&1; then engine=podman
  elif command -v docker >/dev/null 2>&1; then engine=docker
  else echo "verify-runtime.sh: neither podman nor docker found (or use --binary PATH)" >&2; exit 1
  fi
fi
echo "image: $image ($engine)"
exec "$engine" run --rm --network none --user 10001:10001 --entrypoint /bin/sh "$image" \
  -c "$check" verify-runtime /usr/local/bin/wegweiser
