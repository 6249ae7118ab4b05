package io.controlwatch.sources.internal;

import java.util.regex.Pattern;

/**
 * Name patterns as GitHub branch protection rules and the adapters' options write them: {@code *} matches any
 * characters except {@code /}, {@code **} any characters, {@code ?} one character; everything else is literal.
 */
public final class Globs {

    private Globs() {
    }

    public static boolean matches(String pattern, String name) {
        return toRegex(pattern).matcher(name).matches();
    }

    static Pattern toRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    regex.append(".*");
                    i++;
                } else {
                    regex.append("[^/]*");
                }
            } else if (c == '?') {
                regex.append("[^/]");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }
}
