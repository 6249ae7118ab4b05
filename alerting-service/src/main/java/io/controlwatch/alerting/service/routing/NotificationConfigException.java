package io.controlwatch.alerting.service.routing;

/**
 * A notification config that cannot be used. Names the document, where in it (a path such as
 * {@code route.routes[1].receiver} and the line) and why, so the author can fix it without reading the code.
 */
public class NotificationConfigException extends RuntimeException {

    private final String source;
    private final String path;
    private final int line;
    private final String reason;

    public NotificationConfigException(String source, String path, int line, String reason) {
        super(format(source, path, line, reason));
        this.source = source;
        this.path = path;
        this.line = line;
        this.reason = reason;
    }

    private static String format(String source, String path, int line, String reason) {
        StringBuilder message = new StringBuilder("Invalid notification config ").append(source);
        if (line > 0) {
            message.append(':').append(line);
        }
        if (path != null && !path.isEmpty()) {
            message.append(", at '").append(path).append('\'');
        }
        return message.append(": ").append(reason).toString();
    }

    public String source() {
        return source;
    }

    /** Where in the document, e.g. {@code receivers[2].webhook.url}; empty for the document as a whole. */
    public String path() {
        return path;
    }

    /** 1-based line, or 0 when unknown. */
    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
