#!/usr/bin/env bash
# Mints a token for the local ControlWatch, signed with the dev key up.sh created.
#
# Usage: deploy/local/token.sh ROLE [--ttl 1h] [--sources PREFIX[,PREFIX…]] [--subject NAME] [--audience AUD[,AUD…]] [--header]
#   ROLE        ingest, analyst, oncall, auditor or admin
#   --ttl       lifetime (default 1h; the services refuse tokens older than 24 h)
#   --sources   limit an ingest token to events whose source starts with one of these prefixes
#   --subject   who the token names (recorded as the submitter of every event it sends; default dev-ROLE)
#   --audience  services it is addressed to (default by role, see lib.sh role_audiences)
#   --header    print "Authorization: Bearer …" instead of the bare token, for curl -H @file
#
# The token goes to standard output: keep it in a file, never on a command line (ps shows command lines):
#   deploy/local/token.sh ingest --ttl 2h --sources https://github.com/acme --header > github.header
#   curl -H @github.header -H 'Content-Type: application/cloudevents+json' -d @event.json http://127.0.0.1:8081/api/v1/events
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
[[ $# -ge 1 ]] || { usage >&2; exit 2; }
case $1 in -h | --help) usage; exit 0 ;; esac
ROLE=$1
shift
TTL=1h SOURCES="" SUBJECT="" AUDIENCE="" HEADER=0
while (($#)); do
  case $1 in
    --ttl) TTL=${2:?--ttl needs a duration}; shift 2 ;;
    --sources) SOURCES=${2:?--sources needs prefixes}; shift 2 ;;
    --subject) SUBJECT=${2:?--subject needs a name}; shift 2 ;;
    --audience) AUDIENCE=${2:?--audience needs names}; shift 2 ;;
    --header) HEADER=1; shift ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ " ${CW_ROLES[*]} " == *" $ROLE "* ]] || die "unknown role '$ROLE' (one of: ${CW_ROLES[*]})"
[[ $SUBJECT =~ ^[A-Za-z0-9@._:-]*$ ]] || die "--subject may hold letters, digits and @ . _ : - only"
seconds=$(duration_seconds "$TTL")
((seconds <= 86400)) || die "--ttl must be at most 24h: the services refuse older tokens"
token=$(mint_jwt "$ROLE" "$seconds" "${SUBJECT:-dev-$ROLE}" "$SOURCES" "$AUDIENCE")
if ((HEADER)); then
  printf 'Authorization: Bearer %s\n' "$token"
else
  printf '%s\n' "$token"
fi
