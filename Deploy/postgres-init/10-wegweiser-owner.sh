#!/bin/sh
# Creates the schema owner of Wegweiser and its database, once, when the official postgres
# image initialises an empty data directory (it runs /docker-entrypoint-initdb.d/* as the
# postgres user, with the server listening on its Unix socket only). Keep this file executable.
#
#   wegweiser_owner  LOGIN CREATEROLE, owns the database `wegweiser` (and with it, from
#                    PostgreSQL 15 on, its schema `public`); runs `wegweiser setup-roles` and
#                    `wegweiser migrate`, which create the application role and grant it its
#                    privileges. The server itself never connects as the owner.
#
# The owner's password is read from a file (a compose secret), never from the environment or
# the command line: WEGWEISER_OWNER_PASSWORD_FILE, default /run/secrets/wegweiser-owner-password.
# psql reads the file itself (backquotes in \set), so the password does not appear in `ps`.
set -eu

password_file="${WEGWEISER_OWNER_PASSWORD_FILE:-/run/secrets/wegweiser-owner-password}"
case "$password_file" in
  *[!A-Za-z0-9/._-]*) echo "10-wegweiser-owner.sh: unusual characters in $password_file" >&2; exit 1 ;;
esac
if [ ! -r "$password_file" ] || [ ! -s "$password_file" ]; then
  echo "10-wegweiser-owner.sh: cannot read the owner's password from $password_file" >&2
  exit 1
fi

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" \
     --dbname "${POSTGRES_DB:-postgres}" <<SQL
\set owner_password \`tr -d '\r\n' < $password_file\`
CREATE ROLE wegweiser_owner LOGIN CREATEROLE PASSWORD :'owner_password';
\unset owner_password
CREATE DATABASE wegweiser OWNER wegweiser_owner;
SQL
echo "10-wegweiser-owner.sh: role wegweiser_owner and database wegweiser created"
