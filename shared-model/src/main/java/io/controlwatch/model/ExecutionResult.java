package io.controlwatch.model;

/** Outcome of one control execution. Events a control does not apply to produce no execution at all. */
public enum ExecutionResult {
    /** The event satisfies the control. */
    PASS,
    /** The event violates the control: an exception an auditor counts as a deviation. */
    FAIL,
    /** The control could not be evaluated (e.g. a CEL runtime error): neither pass nor fail, and visible. */
    ERROR
}
