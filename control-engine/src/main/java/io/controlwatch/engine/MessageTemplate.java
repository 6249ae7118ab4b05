package io.controlwatch.engine;

import dev.cel.common.types.CelType;
import dev.cel.common.values.NullValue;
import dev.cel.runtime.CelEvaluationException;
import io.controlwatch.engine.internal.CelSupport;
import io.controlwatch.engine.internal.Durations;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A control's {@code message}: one line for people, such as {@code {{data.user}} logged in to {{data.app}} without
 * MFA}, rendered for each failure (as Falco renders a rule's {@code output}). Text between {@code {{ }}} is a CEL
 * expression over the variables of the control's rule kind, compiled when the pack loads.
 * <p>
 * Rendering never fails: a placeholder whose value is missing, null or of a type the expression cannot handle
 * renders as {@code <missing expression>}, so the failure is still recorded and the gap is visible. An empty string
 * renders as nothing, so an optional part can be written {@code {{"app" in data ? " to " + data.app : ""}}}. Control,
 * line-break and bidirectional-override characters in values are replaced by U+FFFD, so the message stays one
 * line that cannot forge log lines or reorder what a reader sees; a message longer than
 * {@link #MAX_RENDERED_LENGTH} is cut and ends with an ellipsis. Thread-safe.
 */
public final class MessageTemplate {

    /** Longest template a pack may declare (characters). */
    public static final int MAX_TEMPLATE_LENGTH = 1000;
    /** Most placeholders a template may hold: each is evaluated for every failure. */
    public static final int MAX_PLACEHOLDERS = 20;
    /** Longest rendered message (characters): what notifications, exports and screens can carry. */
    public static final int MAX_RENDERED_LENGTH = 2000;

    private static final char REPLACEMENT = '\uFFFD';

    /** A template a pack cannot use; the loader adds file, control and line. */
    public static final class InvalidTemplateException extends IllegalArgumentException {
        InvalidTemplateException(String reason) {
            super(reason);
        }
    }

    /** Literal text, or a placeholder (then {@code literal} is null). */
    private record Part(String literal, CelSupport.Expression expression) {
    }

    private final String text;
    private final List<Part> parts;

    private MessageTemplate(String text, List<Part> parts) {
        this.text = text;
        this.parts = parts;
    }

    /**
     * Parses a template and compiles its placeholders against the given variables.
     *
     * @throws InvalidTemplateException naming what is wrong and where (character position in the template)
     */
    static MessageTemplate compile(String template, Map<String, CelType> variables) {
        String text = template == null ? "" : template.strip();
        if (text.isEmpty()) {
            throw new InvalidTemplateException("must not be empty (leave 'message' out instead)");
        }
        if (text.length() > MAX_TEMPLATE_LENGTH) {
            throw new InvalidTemplateException("is " + text.length() + " characters long; at most " + MAX_TEMPLATE_LENGTH);
        }
        for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
            if (unsafe(text.codePointAt(i))) {
                throw new InvalidTemplateException("must be one line without control characters (character " + (i + 1)
                        + "); write it as a plain or folded ('>') scalar");
            }
        }
        List<Part> parts = new ArrayList<>();
        int placeholders = 0;
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf("{{", i);
            int close = text.indexOf("}}", i);
            if (close >= 0 && (open < 0 || close < open)) {
                throw new InvalidTemplateException("'}}' at character " + (close + 1) + " has no '{{' before it");
            }
            if (open < 0) {
                parts.add(new Part(text.substring(i), null));
                break;
            }
            if (open > i) {
                parts.add(new Part(text.substring(i, open), null));
            }
            int end = text.indexOf("}}", open + 2);
            if (end < 0) {
                throw new InvalidTemplateException("'{{' at character " + (open + 1) + " is not closed with '}}'");
            }
            String expression = text.substring(open + 2, end).strip();
            if (expression.isEmpty()) {
                throw new InvalidTemplateException("empty placeholder at character " + (open + 1));
            }
            if (++placeholders > MAX_PLACEHOLDERS) {
                throw new InvalidTemplateException("has more than " + MAX_PLACEHOLDERS + " placeholders");
            }
            try {
                parts.add(new Part(null, CelSupport.anyType(expression, variables)));
            } catch (IllegalArgumentException e) {
                throw new InvalidTemplateException("placeholder {{ " + expression + " }} does not compile: " + e.getMessage());
            }
            i = end + 2;
        }
        return new MessageTemplate(text, List.copyOf(parts));
    }

    /** The template as the pack declares it (trimmed). */
    public String text() {
        return text;
    }

    /** Renders the message with these variable values. Never throws. */
    public String render(Map<String, Object> variables) {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            if (out.length() > MAX_RENDERED_LENGTH) {
                break; // the rest would be cut anyway
            }
            out.append(part.literal() != null ? part.literal() : value(part.expression(), variables));
        }
        if (out.length() <= MAX_RENDERED_LENGTH) {
            return out.toString();
        }
        int cut = MAX_RENDERED_LENGTH - 1;
        if (Character.isHighSurrogate(out.charAt(cut - 1))) {
            cut--; // never leave half a character before the ellipsis
        }
        return out.substring(0, cut) + '…';
    }

    private static String value(CelSupport.Expression expression, Map<String, Object> variables) {
        try {
            Object value = expression.value(variables);
            if (value != null && !(value instanceof NullValue)) {
                return safe(format(value));
            }
        } catch (CelEvaluationException | RuntimeException e) {
            // a missing key or a type error in one placeholder must not cost the failure its record: the FAIL is
            // stored all the same and the marker below shows, in the evidence itself, which placeholder failed
        }
        return "<missing " + expression.text() + ">";
    }

    private static String format(Object value) {
        if (value instanceof String s) {
            return s.length() > MAX_RENDERED_LENGTH ? s.substring(0, MAX_RENDERED_LENGTH + 1) : s;
        }
        if (value instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? d.toString() : BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        }
        if (value instanceof Map<?, ?> map) {
            return join(map.entrySet(), "{", "}", e -> format(e.getKey()) + ": " + format(e.getValue()));
        }
        if (value instanceof Collection<?> list) {
            return join(list, "[", "]", MessageTemplate::format);
        }
        if (value instanceof NullValue) {
            return "null";
        }
        if (value instanceof com.google.protobuf.Timestamp t) {
            return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString();
        }
        if (value instanceof com.google.protobuf.Duration d) {
            return Durations.format(Duration.ofSeconds(d.getSeconds(), d.getNanos()));
        }
        if (value instanceof Duration d) {
            return Durations.format(d);
        }
        return String.valueOf(value);
    }

    private static <T> String join(Collection<T> items, String open, String close,
                                   java.util.function.Function<T, String> each) {
        StringBuilder s = new StringBuilder(open);
        for (Iterator<T> it = items.iterator(); it.hasNext() && s.length() <= MAX_RENDERED_LENGTH; ) {
            s.append(each.apply(it.next()));
            if (it.hasNext()) {
                s.append(", ");
            }
        }
        return s.append(close).toString();
    }

    /** Replaces what could break the line or deceive its reader. */
    static String safe(String value) {
        StringBuilder s = null;
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            int n = Character.charCount(cp);
            if (unsafe(cp)) {
                if (s == null) {
                    s = new StringBuilder(value.length()).append(value, 0, i);
                }
                s.append(REPLACEMENT);
            } else if (s != null) {
                s.appendCodePoint(cp);
            }
            i += n;
        }
        return s == null ? value : s.toString();
    }

    private static boolean unsafe(int cp) {
        int type = Character.getType(cp);
        return Character.isISOControl(cp)
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.SURROGATE // half of a pair: not a character
                || cp == 0x061C || cp == 0x200E || cp == 0x200F // bidi marks
                || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069); // bidi embeddings, isolates
    }

    /** Templates are equal when their text is: what a control declares, as its version sees it. */
    @Override
    public boolean equals(Object o) {
        return o instanceof MessageTemplate other && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
