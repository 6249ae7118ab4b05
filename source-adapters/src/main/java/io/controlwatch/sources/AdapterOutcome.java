package io.controlwatch.sources;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * What an adapter made of a delivery. Ingest answers {@link Mapped} with 202 after writing its events, {@link Unsupported}
 * with 202 (vendors retry errors, and an event type nobody maps will not map on retry), {@link Malformed} with 400.
 */
public sealed interface AdapterOutcome {

    /**
     * The delivery was understood.
     *
     * @param events  0..n CloudEvents (structured JSON, specversion 1.0) in the ControlWatch taxonomy, each with a
     *                deterministic {@code id} derived from the vendor's event id, so a redelivery yields the same ids
     * @param skipped vendor events in the payload that were understood but carry nothing a control tests (a CloudTrail
     *                {@code DescribeInstances}, a Kubernetes {@code RequestReceived} stage): counted, not an error
     */
    record Mapped(List<ObjectNode> events, int skipped) implements AdapterOutcome {
        public Mapped {
            events = List.copyOf(events);
        }
    }

    /** A vendor event type no mapping handles (e.g. {@code github:watch}); counted per type by ingest. */
    record Unsupported(String vendorEventType) implements AdapterOutcome {
    }

    /** Not a payload of this kind (not JSON, wrong shape, a required field of the wrong type, over a bound). */
    record Malformed(String reason) implements AdapterOutcome {
    }
}
