package io.controlwatch.alerting.service.routing;

import java.util.regex.Pattern;

/** Globs of control ids and exemption subjects: {@code *} any characters, {@code ?} one, everything else literal. */
public final class Glob {

    private Glob() {
    }

    public static Pattern compile(String glob) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    public static boolean matches(String glob, String value) {
        return value != null && compile(glob).matcher(value).matches();
    }
}
