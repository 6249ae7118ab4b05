package io.controlwatch.sources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.model.ModelJson;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.controlwatch.sources.Deliveries.delivery;
import static io.controlwatch.sources.Deliveries.events;
import static io.controlwatch.sources.Deliveries.single;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The GitHub mappings that depend on earlier deliveries: approvals counted from the reviews seen, branch protection
 * from the rules seen, merges recognised in the push they make. Payloads are octokit's examples (ORIGINS.md).
 */
class GitHubStateTest {

    final InMemoryAdapterStateStore state = new InMemoryAdapterStateStore();
    final SourceAdapters adapters = new SourceAdapters(AdapterLimits.DEFAULT, state);
    int deliveries;

    AdapterOutcome deliver(String event, String body) {
        return deliver(event, body, "{}");
    }

    AdapterOutcome deliver(String event, String body, String options) {
        return adapters.map(delivery(SourceKind.GITHUB, options,
                Map.of("X-GitHub-Event", event, "X-GitHub-Delivery", "d-" + (++deliveries)), body));
    }

    static String example(String file) throws Exception {
        return Files.readString(Path.of("src/test/resources/github/" + file));
    }

    /** octokit's closed pull request as GitHub sends it when the pull request was merged. */
    static String merged(String mergedBy) throws Exception {
        ObjectNode payload = (ObjectNode) ModelJson.mapper().readTree(example("pull_request.closed-unmerged.json"));
        ObjectNode pr = (ObjectNode) payload.get("pull_request");
        pr.put("merged", true).put("merged_at", "2019-05-15T15:21:18Z");
        pr.putObject("merged_by").put("login", mergedBy);
        return payload.toString();
    }

    static String review(String reviewer, String reviewState) throws Exception {
        ObjectNode payload = (ObjectNode) ModelJson.mapper().readTree(example("pull_request_review.submitted.json"));
        ((ObjectNode) payload.get("review")).put("state", reviewState);
        ((ObjectNode) payload.get("review").get("user")).put("login", reviewer);
        return payload.toString();
    }

    static String dismissed(String reviewer) throws Exception {
        ObjectNode payload = (ObjectNode) ModelJson.mapper().readTree(review(reviewer, "dismissed"));
        payload.put("action", "dismissed");
        return payload.toString();
    }

    @Test
    void approvalsAreTheReviewersWhoseLastReviewApprovedExcludingTheAuthor() throws Exception {
        deliver("pull_request_review", review("Alice", "approved"));
        deliver("pull_request_review", review("bob", "approved"));
        deliver("pull_request_review", review("bob", "commented"));          // a comment keeps bob's approval
        deliver("pull_request_review", review("carol", "approved"));
        deliver("pull_request_review", review("carol", "changes_requested")); // carol withdrew hers
        deliver("pull_request_review", review("Codertocat", "approved"));     // the author's own review never counts
        ObjectNode event = single(deliver("pull_request", merged("bob"), "{\"users\": {\"alice\": \"Alice@Example.com\"}}"));
        assertThat(event.path("type").asText()).isEqualTo("vcs.pull_request.merged");
        assertThat(event.path("subject").asText()).isEqualTo("Codertocat/Hello-World#2");
        assertThat(event.path("data").path("approvals").asInt()).isEqualTo(2);
        assertThat(event.path("data").path("approvers").toString()).isEqualTo("[\"alice@example.com\",\"bob\"]");
        assertThat(event.path("data").path("author").asText()).isEqualTo("codertocat");
        assertThat(event.path("data").path("mergedBy").asText()).isEqualTo("bob");
        assertThat(event.path("data").path("commit").asText()).isEqualTo("c4295bd74fb0f4fda03689c3df3f2803b658fd85");
        assertThat(event.path("data").path("baseBranch").asText()).isEqualTo("master");
        assertThat(event.path("time").asText()).isEqualTo("2019-05-15T15:21:18Z");
    }

    @Test
    void aDismissedApprovalNoLongerCounts() throws Exception {
        deliver("pull_request_review", review("alice", "approved"));
        deliver("pull_request_review", dismissed("alice"));
        assertThat(single(deliver("pull_request", merged("codertocat"))).path("data").path("approvals").asInt()).isZero();
    }

    @Test
    void reviewsGivenBeforeTheWebhookExistedAreUnknownSoTheMergeShowsNoApproval() throws Exception {
        assertThat(single(deliver("pull_request", merged("codertocat"))).path("data").path("approvals").asInt()).isZero();
    }

    @Test
    void mergingForgetsThePullRequestsReviewsAndClosingWithoutMergeToo() throws Exception {
        deliver("pull_request_review", review("alice", "approved"));
        single(deliver("pull_request", merged("bob")));
        assertThat(state.get("src-1/github/reviews/codertocat/hello-world/2")).isEmpty();
        deliver("pull_request_review", review("alice", "approved"));
        assertThat(events(deliver("pull_request", example("pull_request.closed-unmerged.json")))).isEmpty();
        assertThat(state.get("src-1/github/reviews/codertocat/hello-world/2")).isEmpty();
    }

    @Test
    void reviewersPerPullRequestAreBounded() throws Exception {
        for (int i = 0; i < 150; i++) {
            deliver("pull_request_review", review("reviewer" + i, "approved"));
        }
        ObjectNode event = single(deliver("pull_request", merged("bob")));
        assertThat(event.path("data").path("approvals").asInt()).isEqualTo(100);
        assertThat(event.path("data").path("approvers").get(0).asText()).isEqualTo("reviewer50");
    }

    @Test
    void aPushIsProtectedWhenAProtectionRuleSeenCoversItsBranch() throws Exception {
        String push = example("push.new-branch.json"); // Codertocat/Hello-World, refs/heads/master
        assertThat(single(deliver("push", push)).path("data").path("protected").asBoolean()).isFalse();
        String rule = ModelJson.mapper().readTree(example("branch_protection_rule.created.json")).deepCopy().toString()
                .replace("\"full_name\":\"octo-org/octo-repo\"", "\"full_name\":\"Codertocat/Hello-World\"")
                .replace("\"name\":\"production\"", "\"name\":\"mas*\"");
        single(deliver("branch_protection_rule", rule));
        assertThat(single(deliver("push", push)).path("data").path("protected").asBoolean()).isTrue();
        String deleted = rule.replace("\"action\":\"created\"", "\"action\":\"deleted\"");
        single(deliver("branch_protection_rule", deleted));
        assertThat(single(deliver("push", push)).path("data").path("protected").asBoolean()).isFalse();
        // the source's own list covers branches protected before the webhook was connected
        assertThat(single(deliver("push", push, "{\"protectedBranches\": [\"release/**\", \"master\"]}"))
                .path("data").path("protected").asBoolean()).isTrue();
    }

    @Test
    void aPushOfTheMergeCommitOfAPullRequestIsViaPullRequest() throws Exception {
        ObjectNode push = (ObjectNode) ModelJson.mapper().readTree(example("push.new-branch.json"));
        push.put("after", "c4295bd74fb0f4fda03689c3df3f2803b658fd85");
        assertThat(single(deliver("push", push.toString())).path("data").path("viaPullRequest").asBoolean()).isFalse();
        single(deliver("pull_request", merged("bob")));
        assertThat(single(deliver("push", push.toString())).path("data").path("viaPullRequest").asBoolean()).isTrue();
    }

    @Test
    void aPushGitHubMadeForASquashOrMergeIsViaPullRequestEvenBeforeThePullRequestEvent() throws Exception {
        ObjectNode push = (ObjectNode) ModelJson.mapper().readTree(example("push.new-branch.json"));
        ObjectNode head = (ObjectNode) push.get("head_commit");
        ((ObjectNode) head.get("committer")).put("username", "web-flow");
        head.put("message", "Add a widget (#812)\n\n* first\n* second");
        assertThat(single(deliver("push", push.toString())).path("data").path("viaPullRequest").asBoolean()).isTrue();
        head.put("message", "Merge pull request #812 from octo/widget\n\nAdd a widget");
        assertThat(single(deliver("push", push.toString())).path("data").path("viaPullRequest").asBoolean()).isTrue();
        head.put("message", "Update README.md"); // an edit in the web UI straight onto the branch
        assertThat(single(deliver("push", push.toString())).path("data").path("viaPullRequest").asBoolean()).isFalse();
        ((ObjectNode) head.get("committer")).put("username", "mallory");
        head.put("message", "Sneaky (#812)"); // a message alone proves nothing
        assertThat(single(deliver("push", push.toString())).path("data").path("viaPullRequest").asBoolean()).isFalse();
    }

    @Test
    void aRedeliveryIsTheSameEvent() throws Exception {
        String body = example("branch_protection_rule.deleted.json");
        Map<String, String> headers = Map.of("X-GitHub-Event", "branch_protection_rule", "X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
        ObjectNode first = single(adapters.map(delivery(SourceKind.GITHUB, "{}", headers, body)));
        ObjectNode again = single(adapters.map(delivery(SourceKind.GITHUB, "{}", headers, body)));
        assertThat(again.path("id").asText()).isEqualTo(first.path("id").asText()).isEqualTo("github:72d3162e-cc78-11e3-81ab-4c9367dc0958");
        assertThat(again).isEqualTo(first);
    }

    @Test
    void anOrganizationOwnerAddedIsAlsoAPrivilegedGrantAndRemovalDisablesTheAccount() throws Exception {
        ObjectNode payload = (ObjectNode) ModelJson.mapper().readTree(example("organization.member_added.json"));
        ((ObjectNode) payload.get("membership")).put("role", "admin");
        var events = events(deliver("organization", payload.toString()));
        assertThat(events).extracting(e -> e.path("type").asText()).containsExactly("iam.account.created", "iam.role.granted");
        assertThat(events).extracting(e -> e.path("id").asText()).containsExactly("github:d-1#0", "github:d-1#1");
        assertThat(events.get(1).path("data").path("privileged").asBoolean()).isTrue();
        payload.put("action", "member_removed");
        ObjectNode removed = single(deliver("organization", payload.toString()));
        assertThat(removed.path("type").asText()).isEqualTo("iam.account.disabled");
        assertThat(removed.path("data").path("user").asText()).isEqualTo("hacktocat");
    }

    @Test
    void unmappedEventsAndActionsAreUnsupportedAndBrokenOnesMalformed() throws Exception {
        assertThat(deliver("watch", "{\"action\":\"started\"}")).isEqualTo(new AdapterOutcome.Unsupported("github:watch"));
        assertThat(deliver("pull_request", example("pull_request.closed-unmerged.json").replace("\"action\": \"closed\"", "\"action\": \"opened\"")))
                .isEqualTo(new AdapterOutcome.Unsupported("github:pull_request.opened"));
        assertThat(deliver("push", "{\"ref\": 42}")).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(deliver("branch_protection_rule", "{\"action\":\"created\",\"rule\":{}}")).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(adapters.map(delivery(SourceKind.GITHUB, "{}", Map.of("X-GitHub-Event", "push"), "{}")))
                .isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(adapters.map(delivery(SourceKind.GITHUB, "{}", Map.of("X-GitHub-Event", "push", "X-GitHub-Delivery", "bad id"), "{}")))
                .isInstanceOf(AdapterOutcome.Malformed.class);
        // what goes into the state store stays within its bounds whatever the payload says
        assertThat(deliver("pull_request_review", review("x".repeat(5000), "approved"))).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(deliver("branch_protection_rule", example("branch_protection_rule.created.json").replace("\"name\": \"production\"", "\"name\": \"" + "b".repeat(5000) + "\"")))
                .isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(events(deliver("ping", "{\"zen\":\"Design for failure.\"}"))).isEmpty();
    }
}
