package io.controlwatch.engine;

import java.time.Instant;

/**
 * A key an absence control stopped expecting: it missed a deadline, and no expected event came for the control's
 * {@code retireAfter} after that failure was due (deadline + grace). Its state is deleted; its failure stays on
 * record, open for a person to follow up; its next event is a first sighting, not a resolution. Retiring records no
 * execution (there is nothing new to judge): {@link StatefulRuntime} reports it to its caller, which counts and logs it.
 *
 * @param controlId the absence control
 * @param key       the key retired
 * @param deadline  the deadline it missed: the time of its FAIL
 * @param lastSeen  the time of its last expected event
 * @param retiredAt when its silence reached {@code retireAfter}: deadline + grace + retireAfter
 */
public record RetiredKey(String controlId, String key, Instant deadline, Instant lastSeen, Instant retiredAt) {
}
