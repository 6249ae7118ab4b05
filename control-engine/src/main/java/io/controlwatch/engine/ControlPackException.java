package io.controlwatch.engine;

/**
 * A control pack that cannot be used. The message names the file, the control (when known), the line and the
 * reason, so the author can fix it without reading the engine.
 */
public class ControlPackException extends RuntimeException {

    private final String source;
    private final String controlId;
    private final int line;
    private final String reason;

    public ControlPackException(String source, String controlId, int line, String reason) {
        super(format(source, controlId, line, reason));
        this.source = source;
        this.controlId = controlId;
        this.line = line;
        this.reason = reason;
    }

    private static String format(String source, String controlId, int line, String reason) {
        StringBuilder message = new StringBuilder("Invalid control pack ").append(source);
        if (line > 0) {
            message.append(':').append(line);
        }
        if (controlId != null) {
            message.append(", control '").append(controlId).append('\'');
        }
        return message.append(": ").append(reason).toString();
    }

    public String source() {
        return source;
    }

    /** The offending control's id, or null when the problem is not with one control. */
    public String controlId() {
        return controlId;
    }

    /** 1-based line in the pack file, or 0 when unknown. */
    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
