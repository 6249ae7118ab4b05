#!/usr/bin/env bash
# Stops what deploy/local/up.sh started, consumers before the broker: demo feed, the console, alerting,
# evaluation, ingest, Keycloak, the demo's webhook receiver and mail catcher, Kafka, and the private PostgreSQL if up.sh started one (never a system
# cluster). Only processes named by up.sh's pid files are touched. Safe to run when nothing is up.
#
# Usage: deploy/local/down.sh [--purge]
#   --purge  also delete what up.sh created: the database and role it created (it names them first; a database
#            it found already there is left, and said so), and deploy/local/.run (broker data, the private
#            PostgreSQL cluster, keys, tokens, logs)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PURGE=0
for arg in "$@"; do
  case $arg in
    --purge) PURGE=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $arg (see --help)" ;;
  esac
done

# With --purge: drop the database and role up.sh created on a shared PostgreSQL (a private cluster goes with .run).
purge_database() {
  local created="$CW_RUN/db.created" host port name user where
  if [[ ! -s $created ]]; then
    info "no database was created by up.sh here; any database it used is left as it is"
    return 0
  fi
  read -r host port name user where <"$created"
  [[ $where != private ]] || return 0 # the private cluster's data is deleted with .run
  info "dropping database $name and role $user on $host:$port (created by up.sh)"
  PGPASSWORD=${CW_DB_ADMIN_PASSWORD:-} psql -X -q -At -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "${CW_DB_ADMIN_USER:-postgres}" \
    -d postgres -v name="$name" -v user="$user" -f - >/dev/null <<'SQL' || warn "could not drop $name / $user; drop them by hand"
select format('drop database if exists %I with (force)', :'name') \gexec
select format('drop role if exists %I', :'user') where :'user' <> current_user \gexec
SQL
}

stop_named demo-feed
stop_named console
for ((i = ${#CW_SERVICES[@]} - 1; i >= 0; i--)); do
  # shellcheck disable=SC2046 # instance names have no spaces
  for name in $(extra_instances "${CW_SERVICES[i]}") "${CW_SERVICES[i]}"; do stop_named "$name"; done
done
# the notifications demo's receivers (up.sh --demo), after alerting so that nothing is sent to them meanwhile
stop_named webhook-receiver
stop_named mail-catcher
stop_named keycloak
stop_named kafka

if [[ -f $CW_PG_MARKER ]]; then
  read -r pg_bin pg_data _ <"$CW_PG_MARKER"
  if as_pg "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
    info "stopping the private PostgreSQL ($pg_data)"
    # fast: roll back open transactions instead of waiting for clients to leave.
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w -t 20 stop >/dev/null ||
      warn "pg_ctl stop failed; see $CW_RUN/pg/postgres.log"
  fi
  rm -f "$CW_PG_MARKER"
fi

# Anything of up.sh's still running (e.g. its pid file was deleted by hand)? The command lines give
# them away (see pid_marker); the system tests' own service processes do not match.
regex_escape() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; }
patterns=("$CW_RUN/pg/data")
for name in demo-feed console "${CW_SERVICES[@]}" keycloak kafka; do patterns+=("$(pid_marker "$name")"); done
for name in webhook-receiver mail-catcher; do patterns+=("$(pid_marker "$name")"); done
left=""
for p in "${patterns[@]}"; do
  found=$(pgrep -af -- "$(regex_escape "$p")" || true)
  [[ -z $found ]] || left+="$found"$'\n'
done
if [[ -n $left ]]; then
  warn "still running, but not in .run/pids (so left alone; stop them with kill PID):"
  printf '%s' "$left" >&2
  exit 1
fi

if ((PURGE)); then
  purge_database
  info "deleting $CW_RUN"
  rm -rf "$CW_RUN"
fi
info "all stopped"
