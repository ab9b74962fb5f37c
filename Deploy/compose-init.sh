#!/bin/sh
# Prepares Deploy/compose.yaml to be started: generates the secrets and fills in the three
# env files from their examples, with fresh random passwords (hex, so they need no escaping
# in a URL). Refuses to overwrite anything that exists: delete a file to have it made again,
# knowing that the database and Keycloak keep the passwords they were initialised with.
#
#   cd Deploy && ./compose-init.sh             # rootful Docker (run as root, or with sudo)
#   cd Deploy && ./compose-init.sh --podman    # rootless podman: ownership via `podman unshare`
#
# Secret files are bind-mounted into the containers as they are, so each must be readable by
# the user inside the container that reads it: uid 999 (postgres in the postgres image) for
# the database passwords, uid 10001 (wegweiser) for the master key.
set -eu

cd "$(dirname "$0")"
chown_as=""
case "${1:-}" in
  --podman) chown_as="podman unshare chown" ;;
  "") [ "$(id -u)" = 0 ] && chown_as="chown" ;;
  *) echo "usage: $0 [--podman]" >&2; exit 2 ;;
esac

command -v openssl >/dev/null || { echo "compose-init.sh: needs openssl" >&2; exit 1; }
for f in secrets/master.key secrets/postgres-password secrets/wegweiser-owner-password \
         wegweiser.env migrate.env keycloak.env; do
  if [ -e "$f" ]; then
    echo "compose-init.sh: $f exists; nothing changed (remove it to have it made again)" >&2
    exit 1
  fi
done

umask 077
mkdir -p secrets
owner_password=$(openssl rand -hex 24)
app_password=$(openssl rand -hex 24)
keycloak_password=$(openssl rand -hex 16)

openssl rand -base64 32 > secrets/master.key
openssl rand -hex 24 > secrets/postgres-password
printf '%s\n' "$owner_password" > secrets/wegweiser-owner-password

# The examples' production lines are replaced by the stack's own (compose.yaml overrides the
# sign-in keys for its Keycloak, so their example values may stay).
sed -e "s|^DATABASE_URL=.*|DATABASE_URL=postgres://wegweiser_app:$app_password@postgres:5432/wegweiser?sslmode=disable|" \
    -e "s|^HTTP_CORS_ORIGINS=.*|HTTP_CORS_ORIGINS=http://localhost:5173|" \
    wegweiser.env.example > wegweiser.env
sed -e "s|^DATABASE_URL=.*|DATABASE_URL=postgres://wegweiser_owner:$owner_password@postgres:5432/wegweiser?sslmode=disable|" \
    -e "s|^DATABASE_APP_PASSWORD=.*|DATABASE_APP_PASSWORD=$app_password|" \
    migrate.env.example > migrate.env
sed -e "s|^KC_BOOTSTRAP_ADMIN_PASSWORD=.*|KC_BOOTSTRAP_ADMIN_PASSWORD=$keycloak_password|" \
    keycloak.env.example > keycloak.env

chmod 0400 secrets/master.key secrets/postgres-password secrets/wegweiser-owner-password
if [ -n "$chown_as" ]; then
  $chown_as 999:999 secrets/postgres-password secrets/wegweiser-owner-password
  $chown_as 10001:10001 secrets/master.key
else
  echo "compose-init.sh: not root: give secrets/postgres-password and secrets/wegweiser-owner-password"
  echo "  to uid 999 and secrets/master.key to uid 10001 (sudo chown), or rerun with --podman"
fi

echo "Made secrets/ and wegweiser.env, migrate.env, keycloak.env."
echo "Keycloak administrator: admin / $keycloak_password (http://localhost:8180/admin)"
echo "Back up secrets/master.key apart from the database: without it no personal data can be read."
