package io.controlwatch.sources.cloudtrail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.sources.AdapterLimits;
import io.controlwatch.sources.AdapterOutcome;
import io.controlwatch.sources.Delivery;
import io.controlwatch.sources.SourceAdapter;
import io.controlwatch.sources.SourceKind;
import io.controlwatch.sources.internal.BoundedJson;
import io.controlwatch.sources.internal.EventFactory;
import io.controlwatch.sources.internal.Fields;
import io.controlwatch.sources.internal.Options;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * AWS CloudTrail records to ControlWatch events. Accepts the three shapes CloudTrail records travel in: an EventBridge
 * event ({@code detail-type} "AWS API Call via CloudTrail" / "AWS Console Sign In via CloudTrail", the record in
 * {@code detail}), a log file ({@code {"Records": [...]}}) and a single record (CloudWatch Logs or Lake forwarders).
 * Ids are {@code cloudtrail:<eventID>} whatever the shape, so one record that arrives both through EventBridge and in
 * a log file is one event. The mapping, record by record, is {@link CloudTrailRecordMapper}; docs/sources/aws-cloudtrail.md.
 */
public final class CloudTrailAdapter implements SourceAdapter {

    static final Map<String, Options.Type> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("system", Options.Type.STRING);
        OPTIONS.put("privilegedPolicies", Options.Type.STRING_LIST);
        OPTIONS.put("privilegedGroups", Options.Type.STRING_LIST);
        OPTIONS.put("trustFederatedMfa", Options.Type.BOOLEAN);
    }

    private static final List<String> EVENTBRIDGE_TYPES = List.of("AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail");

    private final AdapterLimits limits;
    private final BoundedJson json;

    public CloudTrailAdapter(AdapterLimits limits) {
        this.limits = limits;
        this.json = new BoundedJson(limits);
    }

    @Override
    public SourceKind kind() {
        return SourceKind.AWS_CLOUDTRAIL;
    }

    @Override
    public List<String> validateOptions(JsonNode options) {
        return Options.problems(options, OPTIONS);
    }

    @Override
    public AdapterOutcome map(Delivery delivery) {
        JsonNode body;
        try {
            body = json.parse(delivery.body());
        } catch (BoundedJson.BadJson e) {
            return new AdapterOutcome.Malformed(e.getMessage());
        }
        if (!body.isObject()) {
            return new AdapterOutcome.Malformed("a CloudTrail payload is a JSON object (an EventBridge event, a log file or a record)");
        }
        List<JsonNode> records = new ArrayList<>();
        if (body.has("Records")) {
            JsonNode list = body.get("Records");
            if (!list.isArray()) {
                return new AdapterOutcome.Malformed("Records must be an array");
            }
            if (list.size() > limits.maxVendorEvents()) {
                return new AdapterOutcome.Malformed("the log file holds " + list.size() + " records, more than the "
                        + limits.maxVendorEvents() + " accepted in one payload");
            }
            list.forEach(records::add);
        } else if (body.has("detail-type")) {
            String detailType = Fields.text(body, "detail-type").orElse("");
            if (!EVENTBRIDGE_TYPES.contains(detailType)) {
                return new AdapterOutcome.Unsupported("eventbridge:" + truncate(detailType));
            }
            JsonNode detail = body.path("detail");
            if (!detail.isObject()) {
                return new AdapterOutcome.Malformed("an EventBridge CloudTrail event needs a detail object");
            }
            records.add(detail);
        } else if (body.has("eventName") || body.has("eventSource")) {
            records.add(body);
        } else {
            return new AdapterOutcome.Malformed("not a CloudTrail payload: no Records, detail-type or eventName");
        }

        CloudTrailRecordMapper mapper = new CloudTrailRecordMapper(delivery.source(), new Options(delivery.source().options()));
        List<ObjectNode> events = new ArrayList<>();
        int skipped = 0;
        Optional<String> unsupported = Optional.empty();
        for (JsonNode record : records) {
            if (!record.isObject()) {
                return new AdapterOutcome.Malformed("every CloudTrail record must be a JSON object");
            }
            CloudTrailRecordMapper.Result result = mapper.map(record);
            if (result instanceof CloudTrailRecordMapper.Result.Bad bad) {
                // one broken record does not cost the other records of a log file their events
                if (records.size() == 1) {
                    return new AdapterOutcome.Malformed(bad.reason());
                }
                skipped++;
                continue;
            }
            if (result instanceof CloudTrailRecordMapper.Result.Skipped s) {
                skipped++;
                if (!s.known()) {
                    unsupported = unsupported.or(() -> Optional.of(s.eventName()));
                }
                continue;
            }
            List<ObjectNode> mapped = ((CloudTrailRecordMapper.Result.Events) result).events();
            if (events.size() + mapped.size() > limits.maxEventsOut()) {
                return new AdapterOutcome.Malformed("the payload would yield more than " + limits.maxEventsOut() + " events");
            }
            events.addAll(mapped);
        }
        // A single record nobody maps is an unsupported event type; in a log file it is just one of many skipped.
        if (records.size() == 1 && events.isEmpty() && unsupported.isPresent()) {
            return new AdapterOutcome.Unsupported("cloudtrail:" + truncate(unsupported.get()));
        }
        return new AdapterOutcome.Mapped(events, skipped);
    }

    static String truncate(String text) {
        return text.length() > 100 ? text.substring(0, 100) : text;
    }
}
