package io.controlwatch.evidence;

import io.controlwatch.evidence.internal.CanonicalBytes;
import io.controlwatch.model.ControlExecution;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The immutable evidence of one stored control execution: exactly the fields the evidence chain covers, as the
 * evidence store holds them. Its {@link #digest() digest} is {@code SHA-256(canonical(row))}; the canonical encoding
 * is {@link #canonicalBytes()} and is specified field by field in docs/auditors.md.
 *
 * <p>Times are kept to the microsecond (PostgreSQL's precision): finer digits are dropped here, so a row hashed when
 * it is stored and the same row read back from the database encode alike. Store the values of this record, not those
 * of the message it came from.
 *
 * <p>Not covered: the control's title (catalog data that may be corrected later) and the time the row was recorded
 * (set by the database); the chain position (partition, offset) is covered by the chain leaf, not the row.
 *
 * @param executionId      the execution's UUID, lower case (the store's uuid column prints it so)
 * @param criteria         TSC criteria in the control version's order
 * @param severity         the control's severity as stored ({@code low}, {@code medium}, {@code high}, {@code critical})
 * @param result           {@code PASS}, {@code FAIL} or {@code ERROR}
 * @param reason           why the result is what it is, or null
 * @param message          the control's rendered message, or null
 * @param subject          who or what the result is about, or null
 * @param evidenceEventIds ids of the events that decided the result, in the stored order
 * @param submitter        who submitted the deciding event, or null when unknown
 * @param exemptionId      the exemption in force when the row was stored, or null; an exemption granted later is
 *                         evidence of its own and never edits this row
 */
public record EvidenceRow(
        String executionId,
        String controlId,
        String controlVersion,
        List<String> criteria,
        String severity,
        String result,
        String reason,
        String message,
        String subject,
        String eventId,
        String eventSource,
        String eventType,
        Instant eventTime,
        Instant ingestTime,
        Instant evaluatedAt,
        String pack,
        String packVersion,
        List<String> evidenceEventIds,
        boolean late,
        boolean backfilled,
        String submitter,
        String exemptionId) {

    /** Version tag of the canonical row encoding; a new encoding gets a new tag, never a silent change. */
    public static final String ENCODING_TAG = "cw-row-1";

    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    public EvidenceRow {
        Objects.requireNonNull(executionId, "executionId");
        if (!UUID_TEXT.matcher(executionId).matches()) {
            throw new IllegalArgumentException("executionId is not a UUID: " + executionId);
        }
        executionId = executionId.toLowerCase(java.util.Locale.ROOT);
        Objects.requireNonNull(controlId, "controlId");
        Objects.requireNonNull(controlVersion, "controlVersion");
        criteria = List.copyOf(Objects.requireNonNull(criteria, "criteria"));
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(eventSource, "eventSource");
        Objects.requireNonNull(eventType, "eventType");
        eventTime = Objects.requireNonNull(eventTime, "eventTime").truncatedTo(ChronoUnit.MICROS);
        ingestTime = Objects.requireNonNull(ingestTime, "ingestTime").truncatedTo(ChronoUnit.MICROS);
        evaluatedAt = Objects.requireNonNull(evaluatedAt, "evaluatedAt").truncatedTo(ChronoUnit.MICROS);
        evidenceEventIds = List.copyOf(Objects.requireNonNull(evidenceEventIds, "evidenceEventIds"));
    }

    /**
     * The row the evidence store keeps for an execution: optional text that is empty is stored as NULL (as
     * {@code EvidenceRepository} does), the severity by its JSON name, the result by its enum name.
     *
     * @param exemptionId the exemption in force when the execution is stored, or null
     */
    public static EvidenceRow of(ControlExecution e, String exemptionId) {
        return new EvidenceRow(e.executionId(), e.controlId(), e.controlVersion(), e.criteria(), e.severity().json(),
                e.result().name(), emptyToNull(e.reason()), emptyToNull(e.message()), emptyToNull(e.subject()),
                e.eventId(), e.eventSource(), e.eventType(), e.eventTime(), e.ingestTime(), e.evaluatedAt(),
                emptyToNull(e.pack()), emptyToNull(e.packVersion()), e.evidenceEventIds(), e.late(),
                e.backfilled(), emptyToNull(e.submitter()), emptyToNull(exemptionId));
    }

    /** The canonical encoding (docs/auditors.md): the tag, then every field in declaration order. */
    public byte[] canonicalBytes() {
        return encode().toByteArray();
    }

    /** {@code SHA-256(canonical(row))}. */
    public Sha256 digest() {
        CanonicalBytes bytes = encode();
        var sha = Sha256.threadDigest();
        sha.update(bytes.buffer(), 0, bytes.size());
        return Sha256.wrap(sha.digest());
    }

    private CanonicalBytes encode() {
        return new CanonicalBytes(512)
                .tag(ENCODING_TAG)
                .string(executionId)
                .string(controlId)
                .string(controlVersion)
                .strings(criteria)
                .string(severity)
                .string(result)
                .string(reason)
                .string(message)
                .string(subject)
                .string(eventId)
                .string(eventSource)
                .string(eventType)
                .micros(eventTime)
                .micros(ingestTime)
                .micros(evaluatedAt)
                .string(pack)
                .string(packVersion)
                .strings(evidenceEventIds)
                .bool(late)
                .bool(backfilled)
                .string(submitter)
                .string(exemptionId);
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
