package io.controlwatch.evaluation.stream.internal;

import io.controlwatch.model.CloudEvent;

/** An event read from the topic: either parsed, or refused with the original bytes kept for the dead-letter topic. */
public record ParsedEvent(CloudEvent event, byte[] raw) {

    public boolean valid() {
        return event != null;
    }
}
