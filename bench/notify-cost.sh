#!/usr/bin/env bash
# What notifying costs the pipeline (issue 14): the same latency load as bench/run.sh's latency run (batches of 10,
# 8 at a time, a new run id each time, so that its violating logins open new findings), once per receiver setup, on
# the running stack:
#   none   no receivers: findings open, nothing is sent
#   hook   every finding to the bench webhook receiver (Standard Webhooks, signed)
#   mail   every finding to the mail catcher (GreenMail, SMTP)
#   both   both at once, as bench/run.sh's latency run does
# For each: ingest -> failure recorded p50 / p99, the notifications written and their created -> delivered p50,
# and the CPU seconds of every process on the machine that takes part (the receivers included: they run on the
# same cores as the pipeline here, a real mail relay or webhook receiver would not). The setups run in the order
# given, so alternate them (e.g. none both none both) to see the machine's drift.
#
# Usage: bench/notify-cost.sh [--rate N] [--seconds S] [SETUP ...]   (default: none hook mail both)
#   --rate N      events/s (default 800: about bench/run.sh's latency rate on a 2-core machine)
#   --seconds S   length of each load (default 30)
# Needs a running stack (deploy/local/up.sh); puts the notification config back at the end.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RATE=800 SECONDS_EACH=30 SETUPS=()
while (($#)); do
  case $1 in
    --rate) RATE=$2; shift 2 ;;
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    none | hook | mail | both) SETUPS+=("$1"); shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option or setup $1 (see --help)" ;;
  esac
done
((${#SETUPS[@]})) || SETUPS=(none hook mail both)

ensure_jar
load_stack_env
for s in "${CW_SERVICES[@]}"; do await_ready "$s" 60 || die "$s is not ready (start the stack: deploy/local/up.sh)"; done
WORK="$BENCH_WORK/notify-cost-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$WORK"
trap 'bench_notify_restore >/dev/null 2>&1 || warn "could not put the notification config back"' EXIT

SECRET=$(webhook_secret)
start_mail_catcher >&2
start_webhook_receiver bench-webhook "$BENCH_HOOK_PORT" "$SECRET" "$WORK/hook.log" 0 >&2

GROUPS_SHOWN=(ingest evaluation alerting kafka postgres mail-catcher bench-webhook)

{
  echo "| setup | p50 / p99 ms | notifications | created -> delivered p50 ms | CPU s: $(IFS=/; echo "${GROUPS_SHOWN[*]}" | sed 's|/| / |g') | all |"
  echo "|---|---|---:|---:|---|---:|"
} | tee "$WORK/table.md"
i=0
for setup in "${SETUPS[@]}"; do
  i=$((i + 1))
  bench_notify_config "$setup" "$SECRET" >"$WORK/$i-$setup.yaml"
  notify_config_put "$WORK/$i-$setup.yaml"
  sleep 2 # the dispatcher reads the config it was given before its next tick
  from=$(db_now)
  cpu_snapshot_with_receivers >"$WORK/$i-before.txt"
  lg latency --run-dir "$WORK/$i-$setup" --run-id "nc$i$setup$(date +%s)" --rate "$RATE" --seconds "$SECONDS_EACH" \
    --batch 10 --concurrency 8 >"$WORK/$i-$setup.out" 2>"$WORK/$i-$setup.err" ||
    { cat "$WORK/$i-$setup.err" >&2; die "the $setup load failed"; }
  # the notifications the load caused are part of its cost: wait for them before the second snapshot
  notify_wait_settled "$from" 300 || warn "$setup: notifications still pending after 5 minutes"
  cpu_snapshot_with_receivers >"$WORK/$i-after.txt"
  cpu_delta "$WORK/$i-before.txt" "$WORK/$i-after.txt" >"$WORK/$i-cpu.txt"
  latency=$(grep '^LATENCY' "$WORK/$i-$setup.out")
  read -r count delivered_p50 < <(psql_db -F ' ' -c "select count(*), coalesce(round(1000 * percentile_cont(0.5)
      within group (order by extract(epoch from delivered_at - created_at)))::text, '-')
    from notification where created_at >= '$from' and receiver in ('bench-hook', 'bench-mail')")
  cpus=$(for g in "${GROUPS_SHOWN[@]}"; do cpu_group "$WORK/$i-cpu.txt" "$g"; done | paste -sd/ - | sed 's|/| / |g')
  all=$(awk '$1 != "jit" { s += $2 } END { printf "%.1f", s }' "$WORK/$i-cpu.txt") # the JIT's share is in its process's
  echo "| $setup | $(field "$latency" p50_ms) / $(field "$latency" p99_ms) | $count | $delivered_p50 | $cpus | $all |" |
    tee -a "$WORK/table.md"
done
info "$RATE events/s for $SECONDS_EACH s per setup; CPU from the load's start until its notifications were delivered; raw output in $WORK"
