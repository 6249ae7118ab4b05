#!/usr/bin/env bash
# The demo's story: what demo-feed.sh sends once at its start (phase 1) and about a minute later (phase 2),
# beside its random stream, so that within 5 minutes the console shows every kind of rule at work. Printed as
# one CloudEvent (JSON) per line, in the order they must be sent:
#   demo-story.sh 1|2      (CW_DEMO_NOW, epoch seconds, fixes "now"; default: the clock)
# control-engine's DemoStoryTest runs this script and feeds its output through the real rule engine.
#
# Phase 1, from https://story.example.com at "now": one violating event for each of 19 single-event controls
# (self-granted admin role, MFA device removed, bucket encryption off, SSH open to the internet, WAF off, TLS 1.0,
# public bucket, certificate expiring in 13 days, unsigned binary, malware not blocked, CloudTrail stopped,
# GuardDuty deleted, repository made public, kubectl exec, anonymous Kubernetes API call, secret read, direct
# push to main, root login without an incident, branch protection removed), a restore test within its RTO and an
# access review (two absences, on arrival), and the first half of nine correlations (a high alert, a sev1, a
# critical vulnerability, a termination, a capacity alarm, an emergency deploy, a vendor review, an access
# request, an approved merge).
# Phase 1, history from sources under https://*.archive.example.com that makes stateful rules decide at once:
# a scan 7 d 2 h ago, an agent heartbeat 3 d 2 h ago, a backup 26 h 15 m ago, each followed by its next one now:
# three absences missed (FAIL at their deadline) and resolved by the arrival, and each source's own silence
# (cc2.1) likewise but the scans': silent for more than a week after its failure, it was retired (retireAfter) and
# comes back as a first sighting, its finding left open; a high alert 4 h 15 m ago triaged only now (cc7.3 fails, then resolves); a failed backup two
# days ago and a CPU reading over 80 % an hour ago (their windows close: a1.2 and a1.1 thresholds pass); eleven
# failed logins of one user in a minute, ten users failing from one address, five failed uptime checks (cc7.2
# burst and spray, a1.2 uptime fail), each thread ending with an event "now" that moves its source's clock
# (docs/controls.md, "Time, grace and late events").
# Phase 2: the remediations (encryption, WAF, bucket access and branch protection back: their findings are
# resolved by the passing executions) and the second half of the nine correlations (they pass).
set -euo pipefail

PHASE=${1:?usage: demo-story.sh 1|2}
NOW=${CW_DEMO_NOW:-$(date -u +%s)}
DAY=86400

uuid() { cat /proc/sys/kernel/random/uuid; }
at() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# One CloudEvent: epoch-seconds source type subject data-json
ev() {
  printf '{"specversion":"1.0","id":"%s","source":"%s","type":"%s","subject":"%s","time":"%s","datacontenttype":"application/json","data":%s}\n' \
    "$(uuid)" "$2" "$3" "$4" "$(at "$1")" "$5"
}
now() { ev "$NOW" https://story.example.com "$@"; }
archive() { ev "$2" "https://$1.archive.example.com" "${@:3}"; }

phase1() {
  # --- single-event controls: each fails once ---
  now iam.role.granted mallory@example.com '{"principal":"mallory@example.com","actor":"mallory@example.com","role":"AdministratorAccess","system":"aws-prod","privileged":true}'
  now iam.mfa_device.removed dave@example.com '{"user":"dave@example.com","actor":"dave@example.com","deviceType":"totp","remainingDevices":0}'
  now storage.encryption.changed 'arn:aws:s3:::customer-exports' '{"resource":"arn:aws:s3:::customer-exports","enabled":false,"actor":"alice@example.com"}'
  now network.ingress_rule.added sg-0a1b2c3d4e5f '{"resource":"sg-0a1b2c3d4e5f","cidr":"0.0.0.0/0","protocol":"tcp","fromPort":22,"toPort":22,"actor":"alice@example.com"}'
  now network.waf.changed public-api '{"resource":"public-api","enabled":false,"actor":"alice@example.com"}'
  now network.tls_policy.changed lb/public-api '{"resource":"lb/public-api","minVersion":"TLS1.0","policy":"ELBSecurityPolicy-2016-08","actor":"alice@example.com"}'
  now storage.access.changed 'arn:aws:s3:::marketing-assets' '{"resource":"arn:aws:s3:::marketing-assets","publicAccess":true,"change":"PutBucketPolicy","actor":"bob@example.com"}'
  now tls.certificate.observed api.example.com "$(printf '{"host":"api.example.com","port":443,"notAfter":"%s","daysRemaining":13,"issuer":"R11"}' "$(at $((NOW + 13 * DAY)))")"
  now endpoint.process.executed laptop-0193 '{"host":"laptop-0193","path":"C:\\Users\\dave\\Downloads\\invoice.exe","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","signed":false,"user":"dave@example.com"}'
  now endpoint.malware.detected laptop-0042 '{"host":"laptop-0042","threat":"Trojan:Win32/Emotet","action":"detected","path":"C:\\Temp\\a.dll"}'
  now audit.logging.changed org-trail '{"resource":"arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail","enabled":false,"action":"StopLogging","provider":"aws","actor":"arn:aws:iam::123456789012:user/mallory"}'
  now security.detector.changed guardduty '{"detector":"guardduty/eu-west-1/123456789012","product":"guardduty","enabled":false,"action":"DeleteDetector","actor":"arn:aws:iam::123456789012:user/mallory"}'
  now vcs.repository.visibility_changed example-org/payments '{"repository":"example-org/payments","visibility":"public","previousVisibility":"private","actor":"alice@example.com"}'
  now kubernetes.pod_session.opened prod-eu/payments '{"cluster":"prod-eu","namespace":"payments","pod":"api-7998647bdf-phvq7","kind":"exec","container":"api","command":"bash","user":"alice@example.com","allowed":true}'
  now kubernetes.anonymous_request.received prod-eu '{"cluster":"prod-eu","path":"/api/v1/namespaces","verb":"create","allowed":true,"resource":"namespaces","statusCode":201}'
  now kubernetes.secret.read prod-eu/payments '{"cluster":"prod-eu","namespace":"payments","name":"db-root","verb":"get","user":"alice@example.com","allowed":true}'
  now vcs.push example-org/api:main '{"repository":"example-org/api","branch":"main","commit":"7a6b5c4d3e","actor":"alice@example.com","protected":true,"viaPullRequest":false}'
  now auth.login 'root@123456789012' '{"user":"root@123456789012","outcome":"success","mfa":true,"accountType":"root","app":"aws-console","ip":"198.51.100.12"}'
  now vcs.branch_protection.changed example-org/web:main '{"repository":"example-org/web","branch":"main","enabled":false,"actor":"alice@example.com"}'
  # --- absences, on arrival ---
  now restore.test.completed orders-db '{"system":"orders-db","status":"success","durationMinutes":45,"rtoMinutes":240,"backupId":"snap-0a1b2c"}'
  now access.review.completed aws-prod '{"scope":"aws-prod","reviewer":"ciso@example.com","reviewId":"AR-DEMO-aws","itemsReviewed":142,"accessRevoked":3}'
  # --- the first half of nine correlations (phase 2 completes them) ---
  now security.alert.raised ALRT-DEMO-2 '{"alertId":"ALRT-DEMO-2","severity":"high","title":"Impossible travel for bob@example.com","detector":"okta-threatinsight"}'
  now incident.declared INC-DEMO '{"incidentId":"INC-DEMO","severity":"sev1","title":"Checkout unavailable in EU","commander":"sre-oncall@example.com"}'
  now vuln.finding.opened inspector/ecr/demo '{"findingId":"inspector/ecr/demo","severity":"critical","cve":"CVE-2026-1234","asset":"ecr:eu-west-1/app-images/api:1.42.0","scanner":"inspector"}'
  now hr.employee.terminated mallory@example.com '{"email":"mallory@example.com","employeeId":"E-1042"}'
  now capacity.alarm.changed asg/api-workers '{"resource":"asg/api-workers","metric":"cpu","state":"alarm","percent":86.4,"threshold":80}'
  now deploy.completed checkout '{"service":"checkout","environment":"production","commit":"c0ffee1234","actor":"sre-oncall@example.com","emergency":true,"changeId":"CHG-DEMO"}'
  now vendor.review.approved zoom.us '{"vendor":"zoom.us","reviewer":"security-grc@example.com","reviewId":"VR-DEMO"}'
  now access.request.approved alice@example.com '{"requestId":"REQ-DEMO","user":"alice@example.com","system":"github","approver":"eng-manager@example.com"}'
  now vcs.pull_request.merged 'example-org/api#4242' '{"repository":"example-org/api","number":4242,"author":"bob@example.com","approvals":2,"commit":"3f1c2e9a7b"}'

  # --- history: one thread per archive source, oldest first, each ending with an event "now" ---
  # A source's events must come in time order, and an old event is evaluated only as the first of its source for
  # a (control, key): after it, the control has decided up to the source's watermark (wall clock minus at most
  # 15 min), so anything older would be late (docs/controls.md). Hence one source per old event, and bursts
  # within the last 15 minutes. Events of one thread share their subject, ingest's partition key: they stay in order.
  local d u i
  d=$((NOW / DAY * DAY)) # today 00:00 UTC: the 2-day windows of a1.2-backup-failed-twice are whole days
  u=$(((NOW - 75 * 60) / 900 * 900 + 60)) # in a 1-hour window of a1.1 that has closed by now
  archive scans $((NOW - 7 * DAY - 7200)) vuln.scan.completed legacy-vpc '{"scanner":"inspector","scope":"legacy-vpc","status":"success","findingsCritical":0}'
  archive scans "$NOW" vuln.scan.completed legacy-vpc '{"scanner":"inspector","scope":"legacy-vpc","status":"success","findingsCritical":0}'
  archive edr $((NOW - 3 * DAY - 7200)) endpoint.agent.heartbeat build-07 '{"host":"build-07","agent":"crowdstrike-falcon","version":"7.11.18110","status":"running"}'
  archive edr "$NOW" endpoint.agent.heartbeat build-07 '{"host":"build-07","agent":"crowdstrike-falcon","version":"7.11.18110","status":"running"}'
  archive backups $((NOW - 26 * 3600 - 900)) backup.completed legacy-db '{"system":"legacy-db","status":"success","sizeBytes":73400320}'
  archive backups "$NOW" backup.completed legacy-db '{"system":"legacy-db","status":"success","sizeBytes":73400320}'
  archive backup-failures $((d - 2 * DAY + 3600)) backup.completed archive-db '{"system":"archive-db","status":"failed","sizeBytes":0}'
  archive siem $((NOW - 4 * 3600 - 900)) security.alert.raised ALRT-DEMO-1 '{"alertId":"ALRT-DEMO-1","severity":"high","title":"Root login from a new country","detector":"guardduty"}'
  archive siem "$NOW" security.alert.triaged ALRT-DEMO-1 '{"alertId":"ALRT-DEMO-1","assignee":"soc-analyst-1@example.com","disposition":"benign"}'
  archive metrics "$u" capacity.utilization db-1/cpu '{"resource":"db-1","metric":"cpu","percent":93.5}'
  for i in $(seq 0 9); do
    archive vpn-spray $((NOW - 14 * 60 + i * 5)) auth.login 198.51.100.66 "$(printf '{"user":"user%d@example.com","mfa":true,"outcome":"failure","ip":"198.51.100.66","app":"okta"}' "$i")"
  done
  archive vpn-spray "$NOW" auth.login 198.51.100.66 '{"user":"user10@example.com","mfa":true,"outcome":"failure","ip":"198.51.100.66","app":"okta"}'
  for i in $(seq 0 10); do
    archive vpn-burst $((NOW - 9 * 60 + i * 5)) auth.login mallory@example.com '{"user":"mallory@example.com","mfa":false,"outcome":"failure","ip":"203.0.113.99","app":"aws-console"}'
  done
  archive vpn-burst "$NOW" auth.login mallory@example.com '{"user":"mallory@example.com","mfa":false,"outcome":"failure","ip":"203.0.113.99","app":"aws-console"}'
  for i in $(seq 0 4); do
    archive probes $((NOW - 6 * 60 + i * 10)) uptime.check https://legacy.example.com '{"target":"https://legacy.example.com","status":"down","latencyMs":0}'
  done
  archive probes "$NOW" uptime.check https://legacy.example.com '{"target":"https://legacy.example.com","status":"down","latencyMs":0}'
}

phase2() {
  # --- remediations: the same subjects pass, their findings are resolved ---
  now storage.encryption.changed 'arn:aws:s3:::customer-exports' '{"resource":"arn:aws:s3:::customer-exports","enabled":true,"actor":"alice@example.com"}'
  now network.waf.changed public-api '{"resource":"public-api","enabled":true,"mode":"block","actor":"terraform@example.com"}'
  now storage.access.changed 'arn:aws:s3:::marketing-assets' '{"resource":"arn:aws:s3:::marketing-assets","publicAccess":false,"change":"PutPublicAccessBlock","actor":"bob@example.com"}'
  now vcs.branch_protection.changed example-org/web:main '{"repository":"example-org/web","branch":"main","enabled":true,"actor":"alice@example.com"}'
  # --- the second half of the correlations ---
  now security.alert.triaged ALRT-DEMO-2 '{"alertId":"ALRT-DEMO-2","assignee":"soc-analyst-1@example.com","disposition":"benign"}'
  now incident.postmortem.published INC-DEMO '{"incidentId":"INC-DEMO","url":"https://wiki.example.com/pm/INC-DEMO","author":"sre-lead@example.com"}'
  now vuln.finding.resolved inspector/ecr/demo '{"findingId":"inspector/ecr/demo","resolution":"fixed","asset":"ecr:eu-west-1/app-images/api:1.42.0"}'
  now iam.account.disabled mallory@example.com '{"user":"mallory@example.com","system":"okta","actor":"okta-workflows","reason":"termination"}'
  now capacity.scaled asg/api-workers '{"resource":"asg/api-workers","from":6,"to":9,"automatic":true}'
  now change.approved CHG-DEMO '{"changeId":"CHG-DEMO","approver":"cab-chair@example.com","retroactive":true}'
  now oauth.app.authorized zoom.us '{"appId":"1234567890.apps.googleusercontent.com","appName":"Zoom","vendor":"zoom.us","user":"alice@example.com","scopes":["calendar.readonly","userinfo.email"]}'
  now iam.account.created alice@example.com '{"user":"alice@example.com","system":"github","account":"alice-example","actor":"okta-scim","accountType":"human"}'
  now deploy.completed api '{"service":"api","environment":"production","commit":"3f1c2e9a7b","actor":"argo-cd"}'
}

case $PHASE in
  1) phase1 ;;
  2) phase2 ;;
  *) echo "usage: demo-story.sh 1|2" >&2; exit 2 ;;
esac
