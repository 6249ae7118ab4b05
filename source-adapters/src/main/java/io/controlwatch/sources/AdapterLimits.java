package io.controlwatch.sources;

/**
 * Bounds every adapter applies to a delivery, so that no payload can make an adapter use unbounded memory or time.
 *
 * @param maxBodyBytes       largest body mapped (CloudTrail log files are the largest legitimate payloads)
 * @param maxVendorEvents    most vendor records / events / audit events read from one payload
 * @param maxEventsOut       most ControlWatch events produced from one payload
 * @param maxNestingDepth    deepest JSON nesting accepted
 * @param maxStringLength    longest JSON string accepted
 */
public record AdapterLimits(int maxBodyBytes, int maxVendorEvents, int maxEventsOut, int maxNestingDepth,
                            int maxStringLength) {

    public static final AdapterLimits DEFAULT = new AdapterLimits(32 * 1024 * 1024, 20_000, 20_000, 64, 1024 * 1024);

    public AdapterLimits {
        if (maxBodyBytes < 1 || maxVendorEvents < 1 || maxEventsOut < 1 || maxNestingDepth < 8 || maxStringLength < 1024) {
            throw new IllegalArgumentException("adapter limits must be positive (nesting at least 8, strings at least 1 KiB)");
        }
    }
}
