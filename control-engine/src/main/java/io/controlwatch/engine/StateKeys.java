package io.controlwatch.engine;

/** Keys of rule state: one state per (control, key). A unit separator keeps the two parts unambiguous. */
public final class StateKeys {

    private static final char SEPARATOR = '\u001f';

    private StateKeys() {
    }

    public static String of(String controlId, String key) {
        return controlId + SEPARATOR + key;
    }

    public static String controlId(String stateKey) {
        return stateKey.substring(0, stateKey.indexOf(SEPARATOR));
    }

    public static String key(String stateKey) {
        return stateKey.substring(stateKey.indexOf(SEPARATOR) + 1);
    }
}
