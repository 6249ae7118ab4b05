#!/usr/bin/env bash
# Posts a small, realistic stream of CloudEvents to the local ingest service, and a story through it.
#
# The story (deploy/local/demo-story.sh, which says event by event what it sends; control-engine's DemoStoryTest
# runs it through the real engine): once at the start (phase 1) and about a minute later (phase 2), 69 + 13
# events that within 5 minutes exercise 42 of the 45 shipped controls (control-packs/soc2), all four rule kinds:
#   - single-event: 19 violations (admin role granted to oneself, last MFA device removed, bucket encryption off,
#     SSH open to the internet, WAF off, TLS 1.0, public bucket, certificate 13 days from expiry, unsigned binary,
#     malware not blocked, CloudTrail stopped, GuardDuty deleted, repository made public, kubectl exec, anonymous
#     Kubernetes API call, secret read, direct push to main, root login without incident, branch protection off);
#   - absences that fire: a vulnerability scan 7 d 2 h old, an agent heartbeat 3 d 2 h old, a backup 26 h 15 m
#     old, each followed by its next one now (FAIL at the missed deadline, then resolved by the arrival), and the
#     silence of each such source (cc2.1); a restore test and an access review pass on arrival;
#   - thresholds: 11 failed logins of one user in a minute (cc7.2 burst), 10 users failing from one address
#     (cc7.2 spray), 5 failed uptime checks (a1.2) fail; a CPU and a backup window close below their count;
#   - correlations that resolve: 9 started in phase 1 and completed in phase 2 (alert triaged, sev1 postmortem,
#     critical vulnerability fixed, leaver deprovisioned, alarm scaled, emergency change approved, OAuth app of a
#     reviewed vendor, account created after approval, deploy of an approved merge) pass; an alert raised 4 h 15 m
#     ago and triaged only now fails (cc7.3) and is resolved;
#   - remediations: in phase 2 bucket encryption, the WAF, the bucket's public access and branch protection are
#     back: the passing executions resolve those four findings.
#
# The stream: one batch of 3-8 events about every 2 s. Mostly logins (some without MFA, some failed), plus
# backups, uptime checks and merged pull requests. A share of the batches (CW_DEMO_VENDOR_SHARE, 20 %) is followed
# by GitHub-shaped webhook deliveries (a review, then the merge; now and then a branch protection rule deleted)
# to a registered github source, signed as GitHub signs (X-Hub-Signature-256): they go through the source adapter
# like a real organisation's would. The source is registered once with the admin token and its id and secret kept
# in .run/demo-github.env (0600); the secret is briefly on openssl's command line when signing, fine for this local
# demo source only. The stream alone, read against the pack, exercises 8 controls in 5 minutes: cc6.1 login MFA,
# cc7.2 failed-login burst and password spray (windows close each minute), a1.2 backup absence (passes on arrival)
# and uptime threshold, cc8.1 merges without approval and merged by their author, cc5.2 (a deleted protection rule,
# about once in 50 batches); no correlation decides (nothing sends their second half) and no absence can fire.
#
# Usage: deploy/local/demo-feed.sh [--count N] [--no-story]   (default: until stopped; up.sh --demo runs it)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNT=0
STORY=1
while (($#)); do
  case $1 in
    --no-story)
      STORY=0
      shift
      ;;
    --count)
      [[ ${2:-} =~ ^[0-9]+$ ]] || die "--count needs a number"
      COUNT=$2
      shift 2
      ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

# The token as a header file (up.sh renews it), so that it never appears on curl's command line.
AUTH_HEADER="$CW_RUN/auth/ingest.header"
URL="http://127.0.0.1:${CW_INGEST_PORT:-8081}/api/v1/events"
[[ -r $AUTH_HEADER ]] || die "$AUTH_HEADER not found: run deploy/local/up.sh first"

USERS=(alice@example.com bob@example.com carol@example.com dave@example.com erin@example.com frank@example.com)
APPS=(aws-console github okta-admin jira salesforce)
IPS=(203.0.113.7 203.0.113.24 198.51.100.12 198.51.100.77 192.0.2.45)
SYSTEMS=(postgres-prod s3-audit-logs gitlab-data hr-fileshare)
TARGETS=(https://app.example.com/health https://api.example.com/health https://status.example.com)
REPOS=(example-org/api example-org/web example-org/infra)
LOGINS=(alice bob carol dave erin frank)

# --- GitHub-shaped deliveries through a registered source ---
ADMIN_HEADER="$CW_RUN/auth/admin.header"
SOURCES_URL="http://127.0.0.1:${CW_INGEST_PORT:-8081}/api/v1/sources"
GITHUB_STATE="$CW_RUN/demo-github.env"
VENDOR_SHARE=${CW_DEMO_VENDOR_SHARE:-20}
GITHUB_ID="" GITHUB_SECRET=""

# The demo's github source: the one registered before if it still exists, else a new one.
github_source() {
  if [[ -r $GITHUB_STATE ]]; then
    # shellcheck disable=SC1090
    source "$GITHUB_STATE"
    if curl -fsS --max-time 10 -o /dev/null -H "@$ADMIN_HEADER" "$SOURCES_URL/$GITHUB_ID"; then
      return 0
    fi
  fi
  local users="" login resp
  for login in "${LOGINS[@]}"; do users+="${users:+,}\"$login\":\"$login@example.com\""; done
  resp=$(curl -fsS --max-time 10 -X POST "$SOURCES_URL" -H "@$ADMIN_HEADER" -H 'Content-Type: application/json' \
    --data-binary "{\"kind\":\"github\",\"name\":\"demo-github (deploy/local/demo-feed.sh)\",\"options\":{\"users\":{$users},\"protectedBranches\":[\"main\"]}}") ||
    return 1
  GITHUB_ID=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$resp")
  GITHUB_SECRET=$(sed -n 's/.*"secret":"\([^"]*\)".*/\1/p' <<<"$resp")
  [[ -n $GITHUB_ID && -n $GITHUB_SECRET ]] || return 1
  (umask 077 && printf 'GITHUB_ID=%q\nGITHUB_SECRET=%q\n' "$GITHUB_ID" "$GITHUB_SECRET" >"$GITHUB_STATE")
}

# One webhook delivery as GitHub makes it: event name, body. Prints the HTTP status.
github_deliver() {
  local sig
  sig=$(printf '%s' "$2" | openssl dgst -sha256 -hmac "$GITHUB_SECRET" -r | cut -d' ' -f1)
  curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X POST "$SOURCES_URL/$GITHUB_ID/events" \
    -H 'Content-Type: application/json' -H "X-GitHub-Event: $1" -H "X-GitHub-Delivery: $(uuid)" \
    -H "X-Hub-Signature-256: sha256=$sig" --data-binary "$2" 2>/dev/null || echo 000
}

# A pull request reviewed (approved, or not) and then merged; now and then a protection rule deleted.
github_activity() {
  local repo number author reviewer merger state=approved now sha repo_json s1 s2
  repo=$(pick "${REPOS[@]}") number=$((1000 + RANDOM % 9000))
  author=$(pick "${LOGINS[@]}") reviewer=$(pick "${LOGINS[@]}") merger=$(pick "${LOGINS[@]}")
  pct 20 && state=changes_requested
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ) sha=$(openssl rand -hex 20)
  repo_json=$(printf '"repository":{"full_name":"%s","owner":{"login":"example-org"}},"organization":{"login":"example-org"}' "$repo")
  if pct 10; then
    s1=$(github_deliver branch_protection_rule "$(printf '{"action":"deleted","rule":{"name":"main","updated_at":"%s"},%s,"sender":{"login":"%s"}}' "$now" "$repo_json" "$merger")")
    echo "github: branch protection of $repo main deleted -> HTTP $s1"
    return
  fi
  s1=$(github_deliver pull_request_review "$(printf '{"action":"submitted","review":{"state":"%s","user":{"login":"%s"},"submitted_at":"%s"},"pull_request":{"number":%d,"user":{"login":"%s"}},%s,"sender":{"login":"%s"}}' \
    "$state" "$reviewer" "$now" "$number" "$author" "$repo_json" "$reviewer")")
  s2=$(github_deliver pull_request "$(printf '{"action":"closed","number":%d,"pull_request":{"number":%d,"merged":true,"merged_at":"%s","user":{"login":"%s"},"merged_by":{"login":"%s"},"merge_commit_sha":"%s","base":{"ref":"main"}},%s,"sender":{"login":"%s"}}' \
    "$number" "$number" "$now" "$author" "$merger" "$sha" "$repo_json" "$merger")")
  echo "github: $repo#$number reviewed ($state by $reviewer) -> HTTP $s1, merged by $merger -> HTTP $s2"
}

pick() { shift $((RANDOM % $#)); echo "$1"; } # one of its arguments, at random
pct() { ((RANDOM % 100 < $1)); } # true with probability $1 %
uuid() { cat /proc/sys/kernel/random/uuid; }

# One CloudEvent: type source subject data-json.
event() {
  printf '{"specversion":"1.0","id":"%s","source":"%s","type":"%s","subject":"%s","time":"%s","datacontenttype":"application/json","data":%s}' \
    "$(uuid)" "$2" "$1" "$3" "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$4"
}

login_event() {
  local user mfa=true outcome=success
  user=$(pick "${USERS[@]}")
  pct 10 && mfa=false
  pct 10 && outcome=failure
  event auth.login https://login.example-idp.com "$user" \
    "$(printf '{"user":"%s","mfa":%s,"outcome":"%s","ip":"%s","app":"%s"}' "$user" "$mfa" "$outcome" "$(pick "${IPS[@]}")" "$(pick "${APPS[@]}")")"
}

other_event() {
  local system target repo number status
  case $((RANDOM % 3)) in
    0)
      system=$(pick "${SYSTEMS[@]}") status=success
      pct 15 && status=failed
      event backup.completed https://backup.example.com "$system" \
        "$(printf '{"system":"%s","status":"%s","sizeBytes":%d}' "$system" "$status" $((RANDOM * 100000 + RANDOM)))"
      ;;
    1)
      target=$(pick "${TARGETS[@]}") status=up
      pct 5 && status=down
      event uptime.check https://uptime.example.com "$target" \
        "$(printf '{"target":"%s","status":"%s","latencyMs":%d}' "$target" "$status" $((20 + RANDOM % 400)))"
      ;;
    2)
      repo=$(pick "${REPOS[@]}") number=$((100 + RANDOM % 900))
      event vcs.pull_request.merged https://github.com/example-org "$repo#$number" \
        "$(printf '{"repository":"%s","number":%d,"author":"%s","approvals":%d}' "$repo" "$number" "$(pick "${USERS[@]}")" $((RANDOM % 3)))"
      ;;
  esac
}

# One phase of the story as one batch, in the order demo-story.sh prints it (ingest keeps that order per subject).
send_story() {
  local body resp status
  body=$(bash "$(dirname "${BASH_SOURCE[0]}")/demo-story.sh" "$1" | paste -sd, -)
  resp=$(curl -sS --max-time 20 -o - -w '\n%{http_code}' -X POST "$URL" \
    -H 'Content-Type: application/cloudevents-batch+json' -H "@$AUTH_HEADER" --data-binary "[$body]" 2>&1) || true
  status=${resp##*$'\n'}
  if [[ $status == 2?? ]]; then
    echo "$(date -u +%H:%M:%S) story phase $1: $(grep -o '"specversion"' <<<"$body" | wc -l) events -> HTTP $status"
  else
    resp=${resp%$'\n'*}
    echo "$(date -u +%H:%M:%S) story phase $1 -> HTTP $status ${resp:0:200}"
  fi
}

# Exit at once on TERM/INT (down.sh), also while sleeping (see the sleep below).
trap 'exit 0' TERM INT

VENDOR=0
if ((VENDOR_SHARE > 0)) && [[ -r $ADMIN_HEADER ]]; then
  if github_source; then
    VENDOR=1
    echo "github-shaped deliveries ($VENDOR_SHARE % of batches) go to source $GITHUB_ID"
  else
    echo "could not register the demo's github source; sending CloudEvents only"
  fi
fi

STORY_STARTED=$SECONDS
((STORY)) && send_story 1

batch=0
while ((COUNT == 0 || batch < COUNT)); do
  if ((STORY == 1 && SECONDS - STORY_STARTED >= 60)); then
    send_story 2
    STORY=2
  fi
  batch=$((batch + 1))
  n=$((3 + RANDOM % 6))
  logins=0
  body=""
  for ((i = 0; i < n; i++)); do
    if pct 80; then
      json=$(login_event)
      logins=$((logins + 1))
    else
      json=$(other_event)
    fi
    body+="${body:+,}$json"
  done
  resp=$(curl -sS --max-time 10 -o - -w '\n%{http_code}' -X POST "$URL" \
    -H 'Content-Type: application/cloudevents-batch+json' -H "@$AUTH_HEADER" \
    --data-binary "[$body]" 2>&1) || true
  status=${resp##*$'\n'}
  line="$(date -u +%H:%M:%S) batch $batch: $n events ($logins auth.login, $((n - logins)) other) -> HTTP $status"
  # Show why on anything but success (first 200 characters of the answer or curl's error).
  if [[ $status != 2?? ]]; then
    resp=${resp%$'\n'*}
    line+=" ${resp//$'\n'/ }"
    line=${line:0:300}
  fi
  echo "$line"
  if ((VENDOR)) && pct "$VENDOR_SHARE"; then
    github_activity
  fi
  ((COUNT != 0 && batch >= COUNT)) && break
  # In the background and waited for, so the TERM trap runs without waiting for sleep to end.
  sleep 2 &
  wait $!
done
