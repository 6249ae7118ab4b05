package io.controlwatch.sources.cloudtrail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.sources.Source;
import io.controlwatch.sources.internal.EventFactory;
import io.controlwatch.sources.internal.Fields;
import io.controlwatch.sources.internal.Options;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One CloudTrail record to 0..n ControlWatch events. Failed API calls ({@code errorCode} set) changed nothing and are
 * skipped, except {@code ConsoleLogin}, whose failures are login attempts. Field-by-field table:
 * docs/sources/aws-cloudtrail.md.
 */
final class CloudTrailRecordMapper {

    sealed interface Result {
        record Events(List<ObjectNode> events) implements Result {
        }

        /** Nothing to map: {@code known} when the event name is one the mapping handles (a failed call, a no-op). */
        record Skipped(String eventName, boolean known) implements Result {
        }

        record Bad(String reason) implements Result {
        }
    }

    static final List<String> DEFAULT_PRIVILEGED_POLICIES = List.of("AdministratorAccess", "IAMFullAccess",
            "PowerUserAccess", "AWSOrganizationsFullAccess");
    static final List<String> DEFAULT_PRIVILEGED_GROUPS = List.of("admin", "admins", "administrators");

    private static final Set<String> KNOWN = Set.of("ConsoleLogin", "CreateUser", "DeleteUser", "DeleteLoginProfile",
            "AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy", "PutUserPolicy", "PutRolePolicy", "PutGroupPolicy",
            "AddUserToGroup", "DeactivateMFADevice", "AuthorizeSecurityGroupIngress", "PutBucketPolicy", "DeleteBucketPolicy",
            "PutBucketAcl", "PutBucketPublicAccessBlock", "PutBucketEncryption", "DeleteBucketEncryption",
            "CreateDBInstance", "CreateDBCluster", "StopLogging", "StartLogging", "DeleteTrail", "UpdateTrail",
            "CreateDetector", "UpdateDetector", "DeleteDetector", "AssociateWebACL", "DisassociateWebACL");
    private static final Set<String> PUBLIC_GRANTEES = Set.of("http://acs.amazonaws.com/groups/global/AllUsers",
            "http://acs.amazonaws.com/groups/global/AuthenticatedUsers");
    private static final Set<String> PUBLIC_CANNED_ACLS = Set.of("public-read", "public-read-write", "authenticated-read");

    private final Source source;
    private final Set<String> privilegedPolicies;
    private final Set<String> privilegedGroups;
    private final boolean trustFederatedMfa;
    private final Optional<String> system;

    CloudTrailRecordMapper(Source source, Options options) {
        this.source = source;
        this.privilegedPolicies = Options.lower(options.list("privilegedPolicies", DEFAULT_PRIVILEGED_POLICIES));
        this.privilegedGroups = Options.lower(options.list("privilegedGroups", DEFAULT_PRIVILEGED_GROUPS));
        this.trustFederatedMfa = options.bool("trustFederatedMfa", false);
        this.system = options.string("system");
    }

    Result map(JsonNode record) {
        Optional<String> eventName = Fields.text(record, "eventName");
        if (eventName.isEmpty()) {
            return new Result.Bad("a CloudTrail record needs an eventName string");
        }
        String name = eventName.get();
        if (!KNOWN.contains(name)) {
            return new Result.Skipped(name, false);
        }
        Optional<Instant> time = Fields.instant(record, "eventTime");
        if (time.isEmpty()) {
            return new Result.Bad("record " + name + " needs an RFC 3339 eventTime");
        }
        if (Fields.text(record, "errorCode").isPresent() && !name.equals("ConsoleLogin")) {
            return new Result.Skipped(name, true);
        }
        Record r = new Record(record, name, time.get());
        List<ObjectNode> events = switch (name) {
            case "ConsoleLogin" -> consoleLogin(r);
            case "CreateUser" -> r.user("userName").map(user -> List.of(r.event("iam.account.created", user,
                    data -> data.put("user", user).put("system", system(r)).put("account", r.param("userName").orElse(user))
                            .put("actor", r.actor())))).orElse(List.of());
            case "DeleteUser", "DeleteLoginProfile" -> r.user("userName").map(user -> List.of(r.event("iam.account.disabled", user,
                    data -> data.put("user", user).put("system", system(r)).put("actor", r.actor())
                            .put("reason", name.equals("DeleteUser") ? "user deleted" : "console password removed"))))
                    .orElse(List.of());
            case "AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy" -> attachPolicy(r);
            case "PutUserPolicy", "PutRolePolicy", "PutGroupPolicy" -> inlinePolicy(r);
            case "AddUserToGroup" -> addUserToGroup(r);
            case "DeactivateMFADevice" -> r.user("userName").map(user -> List.of(r.event("iam.mfa_device.removed", user,
                    data -> {
                        data.put("user", user).put("actor", r.actor());
                        r.param("serialNumber").ifPresent(serial -> data.put("deviceType", serial.contains(":u2f/") ? "webauthn" : "totp"));
                    }))).orElse(List.of());
            case "AuthorizeSecurityGroupIngress" -> ingress(r);
            case "PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl", "PutBucketPublicAccessBlock" -> bucketAccess(r);
            case "PutBucketEncryption", "DeleteBucketEncryption" -> bucketEncryption(r);
            case "CreateDBInstance", "CreateDBCluster" -> databaseEncryption(r);
            case "StopLogging", "StartLogging", "DeleteTrail", "UpdateTrail" -> trail(r);
            case "CreateDetector", "UpdateDetector", "DeleteDetector" -> detector(r);
            case "AssociateWebACL", "DisassociateWebACL" -> waf(r);
            default -> List.of();
        };
        if (events.isEmpty()) {
            return new Result.Skipped(name, true);
        }
        return new Result.Events(EventFactory.numbered(r.id(), events));
    }

    // --- identity ----------------------------------------------------------------------------------------------

    private List<ObjectNode> consoleLogin(Record r) {
        String outcome = Fields.text(r.record, "responseElements.ConsoleLogin").orElse("");
        if (!outcome.equals("Success") && !outcome.equals("Failure")) {
            return List.of();
        }
        String type = Fields.text(r.record, "userIdentity.type").orElse("");
        boolean federated = type.equals("AssumedRole") || type.equals("FederatedUser") || type.equals("SAMLUser")
                || type.equals("WebIdentityUser");
        boolean mfaUsed = Fields.text(r.record, "additionalEventData.MFAUsed").map(v -> v.equalsIgnoreCase("yes")).orElse(false)
                || Fields.text(r.record, "userIdentity.sessionContext.attributes.mfaAuthenticated").map("true"::equals).orElse(false);
        String user = r.actor();
        return List.of(r.event("auth.login", user, data -> {
            data.put("user", user).put("outcome", outcome.equals("Success") ? "success" : "failure");
            data.put("mfa", mfaUsed || (federated && trustFederatedMfa));
            Fields.text(r.record, "sourceIPAddress").ifPresent(ip -> data.put("ip", ip));
            data.put("app", "aws-console");
            data.put("accountType", type.equals("Root") ? "root" : "human");
            if (federated) {
                data.put("federated", true);
            }
        }));
    }

    private List<ObjectNode> attachPolicy(Record r) {
        Optional<String> policyArn = r.param("policyArn");
        Optional<String> principal = principalOf(r);
        if (policyArn.isEmpty() || principal.isEmpty()) {
            return List.of();
        }
        String policy = policyArn.get().substring(policyArn.get().lastIndexOf('/') + 1);
        return List.of(r.event("iam.role.granted", principal.get(), data -> data.put("principal", principal.get())
                .put("role", policy).put("system", system(r))
                .put("privileged", privilegedPolicies.contains(policy.toLowerCase(Locale.ROOT)))
                .put("actor", r.actor()).put("policyArn", policyArn.get())));
    }

    private List<ObjectNode> inlinePolicy(Record r) {
        Optional<String> policyName = r.param("policyName");
        Optional<String> principal = principalOf(r);
        if (policyName.isEmpty() || principal.isEmpty()) {
            return List.of();
        }
        Optional<String> document = r.param("policyDocument");
        if (document.map(CloudTrailRecordMapper::allowsNothing).orElse(false)) {
            // Only Deny statements (AWS's own AWSCompromisedKeyQuarantine is one): a restriction, not a grant.
            return List.of();
        }
        boolean privileged = document.map(CloudTrailRecordMapper::grantsEverything).orElse(false);
        return List.of(r.event("iam.role.granted", principal.get(), data -> data.put("principal", principal.get())
                .put("role", policyName.get()).put("system", system(r)).put("privileged", privileged)
                .put("actor", r.actor()).put("inline", true)));
    }

    private List<ObjectNode> addUserToGroup(Record r) {
        Optional<String> group = r.param("groupName");
        Optional<String> user = r.user("userName");
        if (group.isEmpty() || user.isEmpty()) {
            return List.of();
        }
        return List.of(r.event("iam.role.granted", user.get(), data -> data.put("principal", user.get())
                .put("role", "group/" + group.get()).put("system", system(r))
                .put("privileged", privilegedGroups.contains(group.get().toLowerCase(Locale.ROOT)))
                .put("actor", r.actor())));
    }

    /** The user, role or group a policy was attached to. */
    private Optional<String> principalOf(Record r) {
        if (r.param("userName").isPresent()) {
            return r.user("userName");
        }
        String account = r.account();
        return r.param("roleName").map(role -> "arn:aws:iam::" + account + ":role/" + role)
                .or(() -> r.param("groupName").map(group -> "arn:aws:iam::" + account + ":group/" + group));
    }

    /** Whether an inline policy document (JSON in a string) allows every action on every resource. */
    static boolean grantsEverything(String document) {
        for (JsonNode statement : statements(document).orElse(List.of())) {
            if ("Allow".equals(statement.path("Effect").asText()) && containsStar(statement.path("Action"))
                    && containsStar(statement.path("Resource"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether an inline policy document has no Allow statement at all, so that attaching it grants nothing. A document
     * that cannot be read is not known to allow nothing.
     */
    static boolean allowsNothing(String document) {
        return statements(document)
                .map(list -> list.stream().noneMatch(statement -> "Allow".equals(statement.path("Effect").asText())))
                .orElse(false);
    }

    private static Optional<List<JsonNode>> statements(String document) {
        if (document.length() > 100_000) {
            return Optional.empty();
        }
        try {
            JsonNode policy = io.controlwatch.model.ModelJson.mapper().readTree(document);
            JsonNode statements = policy.path("Statement");
            List<JsonNode> list = new ArrayList<>();
            if (statements.isArray()) {
                statements.forEach(list::add);
            } else if (statements.isObject()) {
                list.add(statements);
            } else {
                return Optional.empty();
            }
            return Optional.of(list);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Optional.empty();
        }
    }

    private static boolean containsStar(JsonNode value) {
        if (value.isTextual()) {
            return value.asText().equals("*");
        }
        if (value.isArray()) {
            for (JsonNode element : value) {
                if (element.isTextual() && element.asText().equals("*")) {
                    return true;
                }
            }
        }
        return false;
    }

    // --- network -----------------------------------------------------------------------------------------------

    private List<ObjectNode> ingress(Record r) {
        String group = r.param("groupId").or(() -> r.param("groupName")).orElse(null);
        JsonNode permissions = Fields.at(r.record, "requestParameters.ipPermissions.items");
        if (group == null || !permissions.isArray()) {
            return List.of();
        }
        List<ObjectNode> events = new ArrayList<>();
        for (JsonNode permission : permissions) {
            String protocol = protocol(Fields.text(permission, "ipProtocol").orElse("-1"));
            boolean all = protocol.equals("all");
            int from = all ? 0 : Fields.integer(permission, "fromPort").orElse(0);
            int to = all ? 65535 : Fields.integer(permission, "toPort").orElse(65535);
            List<String> cidrs = new ArrayList<>();
            Fields.at(permission, "ipRanges.items").forEach(range -> Fields.text(range, "cidrIp").ifPresent(cidrs::add));
            Fields.at(permission, "ipv6Ranges.items").forEach(range -> Fields.text(range, "cidrIpv6").ifPresent(cidrs::add));
            // rules naming other security groups or prefix lists open nothing to an address range: not mapped
            for (String cidr : cidrs) {
                events.add(r.event("network.ingress_rule.added", group, data -> data.put("resource", group).put("cidr", cidr)
                        .put("protocol", protocol).put("fromPort", from).put("toPort", to).put("actor", r.actor())));
            }
        }
        return events;
    }

    private static String protocol(String ipProtocol) {
        return switch (ipProtocol.toLowerCase(Locale.ROOT)) {
            case "-1", "all" -> "all";
            case "6", "tcp" -> "tcp";
            case "17", "udp" -> "udp";
            case "1", "icmp" -> "icmp";
            default -> ipProtocol.toLowerCase(Locale.ROOT);
        };
    }

    // --- storage -----------------------------------------------------------------------------------------------

    private List<ObjectNode> bucketAccess(Record r) {
        Optional<String> bucket = r.param("bucketName");
        if (bucket.isEmpty()) {
            return List.of();
        }
        Boolean publicAccess = switch (r.name) {
            case "PutBucketPolicy" -> policyIsPublic(Fields.at(r.record, "requestParameters.bucketPolicy"));
            case "DeleteBucketPolicy" -> false;
            case "PutBucketAcl" -> aclIsPublic(Fields.at(r.record, "requestParameters"));
            // only a block that blocks everything says something about the bucket; loosening it exposes nothing by itself
            default -> allBlocked(Fields.at(r.record, "requestParameters.PublicAccessBlockConfiguration")) ? false : null;
        };
        if (publicAccess == null) {
            return List.of();
        }
        String resource = "arn:aws:s3:::" + bucket.get();
        return List.of(r.event("storage.access.changed", resource, data -> data.put("resource", resource)
                .put("publicAccess", publicAccess).put("change", r.name).put("actor", r.actor())));
    }

    static boolean policyIsPublic(JsonNode policy) {
        JsonNode document = policy;
        if (policy.isTextual()) {
            try {
                document = io.controlwatch.model.ModelJson.mapper().readTree(policy.asText());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return false;
            }
        }
        JsonNode statements = document.path("Statement");
        List<JsonNode> list = new ArrayList<>();
        if (statements.isArray()) {
            statements.forEach(list::add);
        } else if (statements.isObject()) {
            list.add(statements);
        }
        for (JsonNode statement : list) {
            JsonNode principal = statement.path("Principal");
            boolean anyone = principal.isTextual() && principal.asText().equals("*")
                    || containsStar(principal.path("AWS"));
            // a condition (source VPC, organisation id …) narrows "anyone" to someone: not public
            if ("Allow".equals(statement.path("Effect").asText()) && anyone && !statement.has("Condition")) {
                return true;
            }
        }
        return false;
    }

    private static boolean aclIsPublic(JsonNode parameters) {
        JsonNode canned = parameters.path("x-amz-acl");
        List<String> cannedValues = new ArrayList<>();
        if (canned.isTextual()) {
            cannedValues.add(canned.asText());
        } else if (canned.isArray()) {
            canned.forEach(v -> cannedValues.add(v.asText()));
        }
        if (cannedValues.stream().anyMatch(PUBLIC_CANNED_ACLS::contains)) {
            return true;
        }
        JsonNode grants = Fields.at(parameters, "AccessControlPolicy.AccessControlList.Grant");
        List<JsonNode> list = new ArrayList<>();
        if (grants.isArray()) {
            grants.forEach(list::add);
        } else if (grants.isObject()) {
            list.add(grants);
        }
        return list.stream().anyMatch(grant -> PUBLIC_GRANTEES.contains(Fields.text(grant, "Grantee.URI").orElse("")));
    }

    private static boolean allBlocked(JsonNode config) {
        return List.of("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets").stream()
                .allMatch(flag -> config.path(flag).isBoolean() && config.path(flag).asBoolean());
    }

    private List<ObjectNode> bucketEncryption(Record r) {
        Optional<String> bucket = r.param("bucketName");
        if (bucket.isEmpty()) {
            return List.of();
        }
        String resource = "arn:aws:s3:::" + bucket.get();
        // Since January 2023 S3 encrypts every bucket with SSE-S3 at least: deleting a bucket's encryption
        // configuration returns it to that default, it does not leave the data unencrypted.
        String algorithm = r.name.equals("DeleteBucketEncryption") ? "AES256"
                : firstText(Fields.at(r.record, "requestParameters.ServerSideEncryptionConfiguration.Rule"),
                "ApplyServerSideEncryptionByDefault.SSEAlgorithm").orElse("AES256");
        return List.of(r.event("storage.encryption.changed", resource, data -> data.put("resource", resource)
                .put("enabled", true).put("algorithm", algorithm).put("actor", r.actor()).put("change", r.name)));
    }

    private static Optional<String> firstText(JsonNode rules, String path) {
        if (rules.isArray()) {
            for (JsonNode rule : rules) {
                Optional<String> value = Fields.text(rule, path);
                if (value.isPresent()) {
                    return value;
                }
            }
            return Optional.empty();
        }
        return Fields.text(rules, path);
    }

    private List<ObjectNode> databaseEncryption(Record r) {
        boolean cluster = r.name.equals("CreateDBCluster");
        Optional<String> resource = Fields.text(r.record, cluster ? "responseElements.dBClusterArn" : "responseElements.dBInstanceArn")
                .or(() -> r.param(cluster ? "dBClusterIdentifier" : "dBInstanceIdentifier"));
        if (resource.isEmpty()) {
            return List.of();
        }
        // RDS reports what it created; the request may leave storageEncrypted out (then the default, unencrypted, applies)
        boolean encrypted = Fields.bool(r.record, "responseElements.storageEncrypted")
                .or(() -> Fields.bool(r.record, "requestParameters.storageEncrypted")).orElse(false);
        return List.of(r.event("storage.encryption.changed", resource.get(), data -> {
            data.put("resource", resource.get()).put("enabled", encrypted).put("actor", r.actor()).put("change", r.name);
            Fields.text(r.record, "responseElements.kmsKeyId").ifPresent(key -> data.put("algorithm", "aws:kms"));
        }));
    }

    // --- logging, detection, WAF -------------------------------------------------------------------------------

    private List<ObjectNode> trail(Record r) {
        Optional<String> name = r.param("name");
        if (name.isEmpty()) {
            return List.of();
        }
        String resource = name.get().startsWith("arn:") ? name.get()
                : "arn:aws:cloudtrail:" + r.region() + ":" + r.account() + ":trail/" + name.get();
        // UpdateTrail changes where and what a trail logs, not whether it logs
        boolean enabled = r.name.equals("StartLogging") || r.name.equals("UpdateTrail");
        return List.of(r.event("audit.logging.changed", resource, data -> data.put("resource", resource)
                .put("enabled", enabled).put("action", r.name).put("provider", "aws").put("actor", r.actor())));
    }

    private List<ObjectNode> detector(Record r) {
        Boolean enabled = switch (r.name) {
            case "DeleteDetector" -> false;
            case "CreateDetector" -> Fields.bool(r.record, "requestParameters.enable").orElse(true);
            default -> Fields.bool(r.record, "requestParameters.enable").orElse(null);
        };
        if (enabled == null) {
            return List.of(); // an UpdateDetector that changes settings but not whether it detects
        }
        String detector = "guardduty/" + r.region() + "/" + r.account();
        return List.of(r.event("security.detector.changed", detector, data -> {
            data.put("detector", detector).put("product", "guardduty").put("enabled", enabled)
                    .put("action", r.name).put("actor", r.actor());
            r.param("detectorId").ifPresent(id -> data.put("detectorId", id));
        }));
    }

    private List<ObjectNode> waf(Record r) {
        Optional<String> resource = r.param("resourceArn");
        if (resource.isEmpty()) {
            return List.of();
        }
        boolean enabled = r.name.equals("AssociateWebACL");
        return List.of(r.event("network.waf.changed", resource.get(), data -> {
            data.put("resource", resource.get()).put("enabled", enabled).put("actor", r.actor()).put("action", r.name);
            r.param("webACLArn").or(() -> r.param("webACLId")).ifPresent(acl -> data.put("webAcl", acl));
        }));
    }

    private String system(Record r) {
        return system.orElse("aws:" + r.account());
    }

    // --- one record --------------------------------------------------------------------------------------------

    private final class Record {
        final JsonNode record;
        final String name;
        final Instant time;

        Record(JsonNode record, String name, Instant time) {
            this.record = record;
            this.name = name;
            this.time = time;
        }

        String id() {
            return Fields.text(record, "eventID").map(id -> EventFactory.id("cloudtrail", id))
                    .orElseGet(() -> EventFactory.contentId("cloudtrail", record.toString()));
        }

        String account() {
            return Fields.text(record, "recipientAccountId").or(() -> Fields.text(record, "userIdentity.accountId"))
                    .orElse("unknown");
        }

        String region() {
            return Fields.text(record, "awsRegion").orElse("unknown");
        }

        Optional<String> param(String name) {
            return Fields.text(record, "requestParameters." + name);
        }

        /** An IAM user named in the request, as a person ({@code name@account}, or the lower-case e-mail it is). */
        Optional<String> user(String parameter) {
            return param(parameter).map(name -> iamUser(name, account()));
        }

        String actor() {
            return principalName(record.path("userIdentity"), account());
        }

        ObjectNode event(String type, String subject, java.util.function.Consumer<ObjectNode> fill) {
            ObjectNode data = EventFactory.data();
            fill.accept(data);
            String eventSource = "urn:aws:cloudtrail:" + account();
            return EventFactory.event("", account().equals("unknown") ? source.fallbackEventSource() : eventSource,
                    type, subject, time, data);
        }
    }

    static String iamUser(String name, String account) {
        return name.contains("@") ? Fields.person(name) : name + "@" + account;
    }

    /**
     * Who acted, as the taxonomy names people: {@code root@<account>} for the root user, the lower-case e-mail of an
     * IAM user or of an assumed-role session named after one (IAM Identity Center sessions are), else
     * {@code <name>@<account>}, the role session ({@code <role>/<session>@<account>}) or the ARN.
     */
    static String principalName(JsonNode identity, String account) {
        String type = Fields.text(identity, "type").orElse("");
        String acct = Fields.text(identity, "accountId").orElse(account);
        switch (type) {
            case "Root":
                return "root@" + acct;
            case "IAMUser":
                Optional<String> userName = Fields.text(identity, "userName");
                if (userName.isPresent()) {
                    return iamUser(userName.get(), acct);
                }
                break;
            case "AssumedRole", "FederatedUser":
                Optional<String> session = Fields.text(identity, "principalId")
                        .filter(id -> id.indexOf(':') > 0).map(id -> id.substring(id.indexOf(':') + 1));
                if (session.isPresent() && session.get().contains("@")) {
                    return Fields.person(session.get());
                }
                Optional<String> role = Fields.text(identity, "sessionContext.sessionIssuer.userName");
                if (role.isPresent() && session.isPresent()) {
                    return role.get() + "/" + session.get() + "@" + acct;
                }
                break;
            case "AWSService":
                return Fields.text(identity, "invokedBy").orElse("aws-service");
            default:
                break;
        }
        return Fields.text(identity, "arn").or(() -> Fields.text(identity, "principalId")).orElse("unknown");
    }

}
