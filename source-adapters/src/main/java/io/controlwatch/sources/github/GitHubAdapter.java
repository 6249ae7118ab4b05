package io.controlwatch.sources.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.sources.AdapterLimits;
import io.controlwatch.sources.AdapterOutcome;
import io.controlwatch.sources.AdapterStateStore;
import io.controlwatch.sources.Delivery;
import io.controlwatch.sources.SourceAdapter;
import io.controlwatch.sources.SourceKind;
import io.controlwatch.sources.internal.BoundedJson;
import io.controlwatch.sources.internal.EventFactory;
import io.controlwatch.sources.internal.Fields;
import io.controlwatch.sources.internal.Globs;
import io.controlwatch.sources.internal.Options;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * GitHub webhooks (organisation or repository hooks, JSON content type) to ControlWatch events. The event name is the
 * {@code X-GitHub-Event} header, the id {@code github:<X-GitHub-Delivery>} (a redelivery from GitHub's UI keeps the
 * delivery id, so it is the same event). Approvals and branch protection are not in the payloads that need them: the
 * adapter keeps what it saw in the {@link AdapterStateStore} (reviews per pull request, protection rules per
 * repository, recent merge commits). Table and limits: docs/sources/github.md.
 */
public final class GitHubAdapter implements SourceAdapter {

    static final Map<String, Options.Type> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("baseUrl", Options.Type.STRING);
        OPTIONS.put("users", Options.Type.STRING_MAP);
        OPTIONS.put("protectedBranches", Options.Type.STRING_LIST);
        OPTIONS.put("privilegedTeams", Options.Type.STRING_LIST);
    }

    /** Reviewers remembered per pull request; beyond it the oldest are forgotten (the state value stays small). */
    static final int MAX_REVIEWERS = 100;
    /** Protection rule patterns remembered per repository. */
    static final int MAX_RULES = 100;
    /** Longest login or branch pattern kept in state (GitHub logins have at most 39 characters). */
    static final int MAX_NAME_LENGTH = 100;
    static final Duration REVIEW_TTL = Duration.ofDays(180);
    static final Duration RULES_TTL = Duration.ofDays(3650);
    static final Duration MERGE_TTL = Duration.ofDays(2);

    private static final Pattern DELIVERY_ID = Pattern.compile("[A-Za-z0-9-]{1,100}");
    private static final Pattern EVENT_NAME = Pattern.compile("[a-z_]{1,64}");
    private static final Pattern PR_MERGE_MESSAGE = Pattern.compile("^(Merge pull request #\\d+ .*|.*\\(#\\d+\\))$");
    private static final Set<String> PRIVILEGED_PERMISSIONS = Set.of("admin", "maintain");

    private final BoundedJson json;
    private final AdapterStateStore state;

    public GitHubAdapter(AdapterLimits limits, AdapterStateStore state) {
        this.json = new BoundedJson(limits);
        this.state = state;
    }

    @Override
    public SourceKind kind() {
        return SourceKind.GITHUB;
    }

    @Override
    public List<String> validateOptions(JsonNode options) {
        return Options.problems(options, OPTIONS);
    }

    @Override
    public AdapterOutcome map(Delivery delivery) {
        Optional<String> event = delivery.headers().get("X-GitHub-Event");
        Optional<String> deliveryId = delivery.headers().get("X-GitHub-Delivery");
        if (event.isEmpty() || !EVENT_NAME.matcher(event.get()).matches()) {
            return new AdapterOutcome.Malformed("X-GitHub-Event must name a GitHub event");
        }
        if (deliveryId.isEmpty() || !DELIVERY_ID.matcher(deliveryId.get()).matches()) {
            return new AdapterOutcome.Malformed("X-GitHub-Delivery must be the delivery's GUID");
        }
        JsonNode payload;
        try {
            payload = json.parse(delivery.body());
        } catch (BoundedJson.BadJson e) {
            return new AdapterOutcome.Malformed(e.getMessage());
        }
        if (!payload.isObject()) {
            return new AdapterOutcome.Malformed("a GitHub webhook payload is a JSON object");
        }
        Context c = new Context(delivery, payload, deliveryId.get(), new Options(delivery.source().options()));
        try {
            AdapterOutcome outcome = switch (event.get()) {
                case "ping" -> mapped(List.of());
                case "branch_protection_rule" -> branchProtection(c);
                case "pull_request_review" -> review(c);
                case "pull_request" -> pullRequest(c);
                case "push" -> push(c);
                case "member" -> member(c);
                case "organization" -> organization(c);
                case "membership" -> teamMembership(c);
                case "team" -> team(c);
                case "repository" -> repository(c);
                case "deploy_key" -> deployKey(c);
                case "deployment_status" -> deploymentStatus(c);
                default -> new AdapterOutcome.Unsupported("github:" + event.get());
            };
            return numberedOutcome(deliveryId.get(), outcome);
        } catch (MissingField e) {
            return new AdapterOutcome.Malformed(event.get() + ": " + e.getMessage());
        }
    }

    // --- branch protection and pushes ------------------------------------------------------------------------

    private AdapterOutcome branchProtection(Context c) {
        String action = c.action();
        if (!Set.of("created", "edited", "deleted").contains(action)) {
            return unsupported(c);
        }
        String repository = c.repository();
        String branch = c.text("rule.name");
        if (branch.length() > MAX_NAME_LENGTH) {
            throw new MissingField("rule.name (a branch name pattern of at most " + MAX_NAME_LENGTH + " characters)");
        }
        boolean enabled = !action.equals("deleted");
        // GitHub stores a review count even when reviews are not required: "off" means none are
        int approvals = "off".equals(Fields.text(c.payload, "rule.pull_request_reviews_enforcement_level").orElse("off"))
                ? 0 : Fields.integer(c.payload, "rule.required_approving_review_count").orElse(0);
        updateRules(c, branch, enabled);
        Instant time = enabled ? Fields.instant(c.payload, "rule.updated_at").orElse(c.delivery.receivedAt()) : c.delivery.receivedAt();
        return mapped(List.of(c.event("vcs.branch_protection.changed", repository + ":" + branch, time, data -> {
            data.put("repository", repository).put("branch", branch).put("enabled", enabled);
            if (enabled) {
                data.put("requiredApprovals", approvals);
                Fields.bool(c.payload, "rule.admin_enforced").ifPresent(v -> data.put("adminEnforced", v));
                Fields.text(c.payload, "rule.allow_force_pushes_enforcement_level")
                        .ifPresent(level -> data.put("allowForcePushes", !level.equals("off")));
            }
            data.put("actor", c.sender());
        })));
    }

    private void updateRules(Context c, String pattern, boolean present) {
        String key = c.key("protection/" + c.repository().toLowerCase(Locale.ROOT));
        TreeSet<String> rules = new TreeSet<>();
        state.get(key).ifPresent(value -> value.path("rules").forEach(r -> rules.add(r.asText())));
        if (present) {
            if (rules.size() < MAX_RULES || rules.contains(pattern)) {
                rules.add(pattern);
            }
        } else {
            rules.remove(pattern);
        }
        ObjectNode value = JsonNodeFactory.instance.objectNode();
        ArrayNode list = value.putArray("rules");
        rules.forEach(list::add);
        state.put(key, value, RULES_TTL);
    }

    private AdapterOutcome push(Context c) {
        String ref = c.text("ref");
        if (!ref.startsWith("refs/heads/")) {
            return new AdapterOutcome.Unsupported("github:push (tag)");
        }
        if (Fields.bool(c.payload, "deleted").orElse(false)) {
            return new AdapterOutcome.Unsupported("github:push (branch deleted)");
        }
        String repository = c.repository();
        String branch = ref.substring("refs/heads/".length());
        String commit = c.text("after");
        boolean isProtected = protectedBranch(c, branch);
        String mergeKey = c.key("merge/" + repository.toLowerCase(Locale.ROOT) + "/" + commit);
        boolean viaPullRequest = state.get(mergeKey).isPresent() || madeByPullRequestMerge(c.payload);
        state.delete(mergeKey);
        // pushed_at is epoch seconds in push payloads; the head commit's timestamp is when it was authored, not pushed
        Instant time = Fields.longValue(c.payload, "repository.pushed_at").map(Instant::ofEpochSecond)
                .orElse(c.delivery.receivedAt());
        String actor = Fields.text(c.payload, "sender.login").map(c::person)
                .orElseGet(() -> Fields.text(c.payload, "pusher.name").map(c::person).orElse("unknown"));
        return mapped(List.of(c.event("vcs.push", repository + ":" + branch, time, data -> data.put("repository", repository)
                .put("branch", branch).put("commit", commit).put("actor", actor).put("protected", isProtected)
                .put("viaPullRequest", viaPullRequest).put("forced", Fields.bool(c.payload, "forced").orElse(false)))));
    }

    private boolean protectedBranch(Context c, String branch) {
        List<String> patterns = new ArrayList<>(c.options.list("protectedBranches", List.of()));
        state.get(c.key("protection/" + c.repository().toLowerCase(Locale.ROOT)))
                .ifPresent(value -> value.path("rules").forEach(r -> patterns.add(r.asText())));
        return patterns.stream().anyMatch(pattern -> Globs.matches(pattern, branch));
    }

    /**
     * A push GitHub itself made when merging a pull request: committed by GitHub's web-flow account with the message
     * GitHub writes for merge commits ("Merge pull request #12 from …") or squash merges ("Title (#12)"). Web edits
     * committed straight to a branch are web-flow commits too, without such a message: they are direct pushes.
     */
    static boolean madeByPullRequestMerge(JsonNode push) {
        String committer = Fields.text(push, "head_commit.committer.username").orElse("");
        String message = Fields.text(push, "head_commit.message").orElse("");
        String firstLine = message.lines().findFirst().orElse("");
        return committer.equals("web-flow") && PR_MERGE_MESSAGE.matcher(firstLine).matches();
    }

    // --- pull requests and reviews ---------------------------------------------------------------------------

    private AdapterOutcome review(Context c) {
        String action = c.action();
        if (!Set.of("submitted", "edited", "dismissed").contains(action)) {
            return unsupported(c);
        }
        String reviewer = c.text("review.user.login").toLowerCase(Locale.ROOT);
        if (reviewer.length() > MAX_NAME_LENGTH) {
            throw new MissingField("review.user.login (a GitHub login)");
        }
        String reviewState = action.equals("dismissed") ? "dismissed"
                : Fields.text(c.payload, "review.state").orElse("").toLowerCase(Locale.ROOT);
        // a comment does not withdraw an earlier approval or change request (as on GitHub)
        if (reviewState.equals("commented") || reviewState.isEmpty()) {
            return mapped(List.of());
        }
        String key = prKey(c, c.number("pull_request.number"));
        ObjectNode value = state.get(key).filter(JsonNode::isObject).map(v -> (ObjectNode) v)
                .orElseGet(JsonNodeFactory.instance::objectNode);
        ObjectNode reviews = value.has("reviews") && value.get("reviews").isObject() ? (ObjectNode) value.get("reviews")
                : value.putObject("reviews");
        reviews.remove(reviewer); // re-insert last: the oldest reviewer is first when the bound is reached
        reviews.put(reviewer, reviewState);
        while (reviews.size() > MAX_REVIEWERS) {
            Iterator<String> oldest = reviews.fieldNames();
            reviews.remove(oldest.next());
        }
        state.put(key, value, REVIEW_TTL);
        return mapped(List.of());
    }

    private AdapterOutcome pullRequest(Context c) {
        if (!c.action().equals("closed")) {
            return unsupported(c);
        }
        int number = c.number("pull_request.number");
        String key = prKey(c, number);
        Optional<JsonNode> reviews = state.get(key);
        state.delete(key);
        if (!Fields.bool(c.payload, "pull_request.merged").orElse(false)) {
            return mapped(List.of()); // closed without merging: nothing landed
        }
        String repository = c.repository();
        String author = c.person(c.text("pull_request.user.login"));
        String authorLogin = c.text("pull_request.user.login").toLowerCase(Locale.ROOT);
        List<String> approvers = new ArrayList<>();
        reviews.ifPresent(v -> v.path("reviews").fields().forEachRemaining(e -> {
            if (e.getValue().asText().equals("approved") && !e.getKey().equals(authorLogin)) {
                approvers.add(c.person(e.getKey()));
            }
        }));
        Optional<String> commit = Fields.text(c.payload, "pull_request.merge_commit_sha");
        commit.ifPresent(sha -> {
            ObjectNode merge = JsonNodeFactory.instance.objectNode().put("number", number);
            state.put(c.key("merge/" + repository.toLowerCase(Locale.ROOT) + "/" + sha), merge, MERGE_TTL);
        });
        Instant time = Fields.instant(c.payload, "pull_request.merged_at").orElse(c.delivery.receivedAt());
        return mapped(List.of(c.event("vcs.pull_request.merged", repository + "#" + number, time, data -> {
            data.put("repository", repository).put("number", number).put("author", author).put("approvals", approvers.size());
            ArrayNode list = data.putArray("approvers");
            approvers.forEach(list::add);
            Fields.text(c.payload, "pull_request.merged_by.login").ifPresent(login -> data.put("mergedBy", c.person(login)));
            commit.ifPresent(sha -> data.put("commit", sha));
            Fields.text(c.payload, "pull_request.base.ref").ifPresent(base -> data.put("baseBranch", base));
        })));
    }

    private String prKey(Context c, int number) {
        return c.key("reviews/" + c.repository().toLowerCase(Locale.ROOT) + "/" + number);
    }

    // --- membership and access -------------------------------------------------------------------------------

    private AdapterOutcome member(Context c) {
        String action = c.action();
        if (!action.equals("added") && !action.equals("edited")) {
            return unsupported(c); // removals revoke access: no control tests them (access reviews do)
        }
        String repository = c.repository();
        String member = c.person(c.text("member.login"));
        String permission = Fields.text(c.payload, "changes.permission.to")
                .or(() -> Fields.text(c.payload, "changes.role_name.to"))
                .orElse(action.equals("added") ? "write" : null);
        if (permission == null) {
            return mapped(List.of()); // an edit that does not change the permission
        }
        return mapped(List.of(c.event("iam.role.granted", member, c.delivery.receivedAt(), data -> data.put("principal", member)
                .put("role", "repo:" + repository + ":" + permission).put("system", "github")
                .put("privileged", PRIVILEGED_PERMISSIONS.contains(permission.toLowerCase(Locale.ROOT)))
                .put("actor", c.sender()))));
    }

    private AdapterOutcome organization(Context c) {
        String action = c.action();
        if (!action.equals("member_added") && !action.equals("member_removed")) {
            return unsupported(c);
        }
        String login = c.text("membership.user.login");
        String user = c.person(login);
        String org = c.owner();
        if (action.equals("member_removed")) {
            return mapped(List.of(c.event("iam.account.disabled", user, c.delivery.receivedAt(), data -> data.put("user", user)
                    .put("system", "github").put("actor", c.sender()).put("reason", "removed from organization " + org))));
        }
        List<ObjectNode> events = new ArrayList<>();
        events.add(c.event("iam.account.created", user, c.delivery.receivedAt(), data -> data.put("user", user)
                .put("system", "github").put("account", login).put("actor", c.sender())));
        if ("admin".equals(Fields.text(c.payload, "membership.role").orElse(""))) {
            events.add(c.event("iam.role.granted", user, c.delivery.receivedAt(), data -> data.put("principal", user)
                    .put("role", "org:" + org + ":owner").put("system", "github").put("privileged", true)
                    .put("actor", c.sender())));
        }
        return mapped(events);
    }

    private AdapterOutcome teamMembership(Context c) {
        if (!c.action().equals("added")) {
            return unsupported(c);
        }
        String member = c.person(c.text("member.login"));
        String team = c.text("team.slug");
        Set<String> privileged = Options.lower(c.options.list("privilegedTeams", List.of()));
        return mapped(List.of(c.event("iam.role.granted", member, c.delivery.receivedAt(), data -> data.put("principal", member)
                .put("role", "team:" + c.owner() + "/" + team).put("system", "github")
                .put("privileged", privileged.contains(team.toLowerCase(Locale.ROOT))).put("actor", c.sender()))));
    }

    private AdapterOutcome team(Context c) {
        if (!c.action().equals("added_to_repository")) {
            return unsupported(c);
        }
        String principal = "team:" + c.owner() + "/" + c.text("team.slug");
        String permission = Fields.text(c.payload, "team.permission").orElse("pull");
        String repository = c.repository();
        return mapped(List.of(c.event("iam.role.granted", principal, c.delivery.receivedAt(), data -> data.put("principal", principal)
                .put("role", "repo:" + repository + ":" + permission).put("system", "github")
                .put("privileged", PRIVILEGED_PERMISSIONS.contains(permission.toLowerCase(Locale.ROOT)))
                .put("actor", c.sender()))));
    }

    private AdapterOutcome repository(Context c) {
        String action = c.action();
        if (!action.equals("publicized") && !action.equals("privatized")) {
            return unsupported(c);
        }
        String repository = c.repository();
        String visibility = action.equals("publicized") ? "public" : "private";
        return mapped(List.of(c.event("vcs.repository.visibility_changed", repository,
                Fields.instant(c.payload, "repository.updated_at").orElse(c.delivery.receivedAt()), data -> data
                        .put("repository", repository).put("visibility", visibility)
                        .put("previousVisibility", visibility.equals("public") ? "private" : "public").put("actor", c.sender()))));
    }

    private AdapterOutcome deployKey(Context c) {
        if (!c.action().equals("created")) {
            return unsupported(c);
        }
        String repository = c.repository();
        String principal = "deploy-key:" + repository + "/" + c.text("key.title");
        boolean readOnly = Fields.bool(c.payload, "key.read_only").orElse(false);
        Instant time = Fields.instant(c.payload, "key.created_at").orElse(c.delivery.receivedAt());
        return mapped(List.of(c.event("iam.role.granted", principal, time, data -> data.put("principal", principal)
                .put("role", "repo:" + repository + ":" + (readOnly ? "read" : "write")).put("system", "github")
                .put("privileged", !readOnly).put("actor", c.sender()))));
    }

    private AdapterOutcome deploymentStatus(Context c) {
        String status = c.text("deployment_status.state");
        if (!status.equals("success")) {
            return new AdapterOutcome.Unsupported("github:deployment_status." + (status.length() > 30 ? status.substring(0, 30) : status));
        }
        String repository = c.repository();
        String environment = Fields.text(c.payload, "deployment_status.environment")
                .or(() -> Fields.text(c.payload, "deployment.environment")).orElseThrow(() -> new MissingField("deployment.environment"));
        String commit = c.text("deployment.sha");
        String actor = Fields.text(c.payload, "deployment.creator.login").map(c::person).orElseGet(c::sender);
        Instant time = Fields.instant(c.payload, "deployment_status.created_at").orElse(c.delivery.receivedAt());
        return mapped(List.of(c.event("deploy.completed", repository, time, data -> data.put("service", repository)
                .put("environment", environment).put("commit", commit).put("actor", actor))));
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static AdapterOutcome mapped(List<ObjectNode> events) {
        return new AdapterOutcome.Mapped(events, 0);
    }

    private static AdapterOutcome unsupported(Context c) {
        String action = c.action();
        return new AdapterOutcome.Unsupported("github:" + c.eventName() + (action.isEmpty() ? "" : "." + action));
    }

    /** A required field missing or of the wrong type. */
    static final class MissingField extends RuntimeException {
        MissingField(String path) {
            super("needs " + path, null, false, false);
        }
    }

    private static final class Context {
        final Delivery delivery;
        final JsonNode payload;
        final String deliveryId;
        final Options options;
        final Map<String, String> users;

        Context(Delivery delivery, JsonNode payload, String deliveryId, Options options) {
            this.delivery = delivery;
            this.payload = payload;
            this.deliveryId = deliveryId;
            this.options = options;
            this.users = options.lowerKeyMap("users");
        }

        String eventName() {
            return delivery.headers().get("X-GitHub-Event").orElse("");
        }

        String action() {
            String action = Fields.text(payload, "action").orElse("");
            return action.length() > 40 ? action.substring(0, 40) : action;
        }

        String text(String path) {
            return Fields.text(payload, path).orElseThrow(() -> new MissingField(path));
        }

        int number(String path) {
            return Fields.integer(payload, path).orElseThrow(() -> new MissingField(path + " (an integer)"));
        }

        String repository() {
            return text("repository.full_name");
        }

        String owner() {
            return Fields.text(payload, "organization.login").or(() -> Fields.text(payload, "repository.owner.login"))
                    .orElseThrow(() -> new MissingField("organization.login"));
        }

        String sender() {
            return person(text("sender.login"));
        }

        /** A GitHub login as the taxonomy names people: the e-mail the source's {@code users} option maps it to. */
        String person(String login) {
            String mapped = users.get(login.toLowerCase(Locale.ROOT));
            return mapped != null ? Fields.person(mapped) : login.toLowerCase(Locale.ROOT);
        }

        String key(String suffix) {
            String key = delivery.source().id() + "/github/" + suffix;
            return key.length() > AdapterStateStore.MAX_KEY_LENGTH ? delivery.source().id() + "/github/sha256:" + EventFactory.sha256(suffix) : key;
        }

        String eventSource() {
            String base = options.string("baseUrl").orElse("https://github.com");
            return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/" + owner();
        }

        ObjectNode event(String type, String subject, Instant time, Consumer<ObjectNode> fill) {
            ObjectNode data = EventFactory.data();
            fill.accept(data);
            return EventFactory.event("", eventSource(), type, subject, time, data);
        }
    }

    /** Gives a delivery's events their ids. */
    private AdapterOutcome numberedOutcome(String deliveryId, AdapterOutcome outcome) {
        if (outcome instanceof AdapterOutcome.Mapped mapped) {
            return new AdapterOutcome.Mapped(EventFactory.numbered(EventFactory.id("github", deliveryId), mapped.events()), mapped.skipped());
        }
        return outcome;
    }
}
