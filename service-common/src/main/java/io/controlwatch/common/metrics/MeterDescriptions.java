package io.controlwatch.common.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Enumeration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gives every ControlWatch meter its HELP text, wherever in the code it is created: each module lists its meters
 * with a description in {@value #RESOURCE} (meter name in Micrometer's dotted form, e.g. {@code cw.events.rejected}),
 * and this filter sets the description on every meter of that name. A metric without a description is caught by
 * the system tests (every {@code cw_*} HELP line must say what it counts).
 */
public class MeterDescriptions {

    public static final String RESOURCE = "META-INF/cw-metrics.properties";

    private static final Map<String, String> DESCRIPTIONS = load();

    /** The description of a meter, or null. */
    public static String of(String meterName) {
        return DESCRIPTIONS.get(meterName);
    }

    @Produces
    @Singleton
    MeterFilter describeControlWatchMeters() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String description = DESCRIPTIONS.get(id.getName());
                if (description == null || description.equals(id.getDescription())) {
                    return id;
                }
                return new Meter.Id(id.getName(), io.micrometer.core.instrument.Tags.of(id.getTagsAsIterable()),
                        id.getBaseUnit(), description, id.getType());
            }
        };
    }

    private static Map<String, String> load() {
        Map<String, String> descriptions = new ConcurrentHashMap<>();
        try {
            Enumeration<URL> files = Thread.currentThread().getContextClassLoader().getResources(RESOURCE);
            while (files.hasMoreElements()) {
                Properties properties = new Properties();
                try (InputStream in = files.nextElement().openStream()) {
                    properties.load(in);
                }
                properties.forEach((name, description) -> descriptions.put((String) name, ((String) description).trim()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return descriptions;
    }
}
