#!/bin/sh
# An access token from the compose stack's Keycloak for trying the API without a front end:
# the front end's own flow (authorization code with PKCE S256, client wegweiser-frontend),
# with you as the browser. Prints the access token (valid 5 minutes) on standard output.
#
#   TOKEN=$(Deploy/keycloak/token.sh)
#   curl -s -H "Authorization: Bearer $TOKEN" http://localhost:8080/me
#
# 1. Open the address it prints, sign in (demo-admin; the first time Keycloak asks for a new
#    password). 2. The browser is sent to http://localhost:5173/callback?...&code=...; nothing
#    answers there, which is expected: copy that whole address from the address bar and paste
#    it within a minute. Needs openssl, curl and python3.
set -eu

keycloak="${KEYCLOAK_URL:-http://localhost:8180}"
realm="${KEYCLOAK_REALM:-wegweiser}"
client="${KEYCLOAK_CLIENT:-wegweiser-frontend}"
redirect="${KEYCLOAK_REDIRECT:-http://localhost:5173/callback}"

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
verifier=$(openssl rand 48 | b64url)
challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | b64url)
state=$(openssl rand 12 | b64url)

{
  echo "Open in a browser and sign in:"
  echo "  $keycloak/realms/$realm/protocol/openid-connect/auth?client_id=$client&response_type=code&scope=openid&redirect_uri=$redirect&code_challenge=$challenge&code_challenge_method=S256&state=$state"
  printf 'Then paste the address the browser was sent to: '
} >&2
read -r answer
case "$answer" in
  *"state=$state"*) ;;
  *) echo "token.sh: that address does not carry this request's state" >&2; exit 1 ;;
esac
code=$(printf '%s\n' "$answer" | sed -n 's/.*[?&]code=\([^&#]*\).*/\1/p')
[ -n "$code" ] || { echo "token.sh: no code= in that address" >&2; exit 1; }

curl -sS --fail-with-body \
  --data-urlencode grant_type=authorization_code \
  --data-urlencode "client_id=$client" \
  --data-urlencode "code=$code" \
  --data-urlencode "redirect_uri=$redirect" \
  --data-urlencode "code_verifier=$verifier" \
  "$keycloak/realms/$realm/protocol/openid-connect/token" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
