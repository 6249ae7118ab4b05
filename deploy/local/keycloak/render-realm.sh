#!/usr/bin/env bash
# Renders the ControlWatch realm for Keycloak's import: realm.template.json with the stack's signing key (so the
# services verify Keycloak's tokens with the key they already trust), the console's URL and client secrets, and one
# demo user per role with the given passwords.
#
# Usage: render-realm.sh PRIVATE_KEY_PEM CONSOLE_URL CONSOLE_SECRET INGEST_CLIENT_SECRET USERS_FILE [REALM] > realm.json
#   USERS_FILE: lines "username role password"
set -euo pipefail
key=$1 console_url=$2 console_secret=$3 ingest_secret=$4 users=$5 realm=${6:-controlwatch}
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
body() { grep -v -- '-----' "$1" | tr -d '\n'; }
{
  first=1
  while read -r user role password; do
    [[ -n $user ]] || continue
    ((first)) || printf ',\n'
    first=0
    printf '    {"username": "%s", "enabled": true, "email": "%s@example.com", "emailVerified": true, "firstName": "%s", "lastName": "Demo", "realmRoles": ["%s"], "credentials": [{"type": "password", "value": "%s", "temporary": false}]}' \
      "$user" "$user" "$user" "$role" "$password"
  done <"$users"
  printf ',\n    {"username": "service-account-controlwatch-ingest-client", "enabled": true, "serviceAccountClientId": "controlwatch-ingest-client", "realmRoles": ["ingest"]}'
} >"$tmp/users"
python3 - "$dir/realm.template.json" "$tmp/users" "$console_url" "$console_secret" "$ingest_secret" \
  "$(body "$key")" "$realm" <<'PY'
import sys
template, users, url, csec, isec, key, realm = sys.argv[1:]
text = open(template).read()
for k, v in {"@USERS@": open(users).read(), "@CONSOLE_URL@": url, "@CONSOLE_SECRET@": csec,
             "@INGEST_CLIENT_SECRET@": isec, "@PRIVATE_KEY@": key, "@REALM@": realm}.items():
    text = text.replace(k, v)
sys.stdout.write(text)
PY
