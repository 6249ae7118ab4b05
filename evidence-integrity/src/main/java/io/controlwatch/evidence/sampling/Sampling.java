package io.controlwatch.evidence.sampling;

import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.internal.Hex;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Reproducible sampling. Every id of the population is ranked by {@code HMAC-SHA256(key = seed, message = id)} (both
 * UTF-8), the ranks compared as unsigned big-endian numbers; the sample is the {@code size} smallest ranks, in rank
 * order. The same seed over the same population selects the same ids, always; anyone can recompute a rank with
 * {@code printf '%s' "$id" | openssl dgst -sha256 -hmac "$seed"}. The population hash proves which population was
 * used: SHA-256 over the ids sorted by their UTF-8 bytes, each followed by {@code \n}.
 *
 * <p>Memory: the streaming {@link #drawer} keeps only the current best {@code size} ids, so the alerting service can
 * feed a control's executions straight from PostgreSQL ({@code order by execution_id}: a uuid column sorts as its
 * lower-case text does).
 */
public final class Sampling {

    public static final String ALGORITHM = "cw-sample-1: smallest HMAC-SHA256(seed, id) first";
    /** Largest sample drawn; far above any table size, it bounds what a request can make the service hold. */
    public static final int MAX_SIZE = 10_000;
    public static final int MAX_SEED_LENGTH = 256;
    public static final int MAX_ID_LENGTH = 1024;

    /** Unsigned lexicographic order of UTF-8 bytes, which is code point order: what {@code LC_ALL=C sort} does. */
    public static final Comparator<String> UTF8_ORDER = Sampling::compareCodePoints;

    private Sampling() {
    }

    /** Draws a sample from a population given in any order (sorted here: memory grows with the population). */
    public static Sample draw(Collection<String> populationIds, String seed, int size) {
        List<String> sorted = new ArrayList<>(populationIds);
        sorted.sort(UTF8_ORDER);
        Drawer drawer = drawer(seed, size);
        sorted.forEach(drawer::accept);
        return drawer.finish();
    }

    /** SHA-256 over the ids sorted by UTF-8 bytes, each followed by a newline. */
    public static Sha256 populationHash(Collection<String> populationIds) {
        List<String> sorted = new ArrayList<>(populationIds);
        sorted.sort(UTF8_ORDER);
        Drawer drawer = drawer("population", 0);
        sorted.forEach(drawer::accept);
        return drawer.finish().populationHash();
    }

    /** A streaming draw: feed the population's ids in ascending UTF-8 order (each once), then {@link Drawer#finish}. */
    public static Drawer drawer(String seed, int size) {
        return new Drawer(seed, size);
    }

    /** Draws while the population streams by; see {@link Sampling}. */
    public static final class Drawer {
        private final String seed;
        private final int size;
        private final Mac mac;
        private final MessageDigest populationHash = Sha256.newDigest();
        // the best `size` ids so far, the worst (largest rank) on top
        private final PriorityQueue<Ranked> best;
        private String last;
        private long count;

        private Drawer(String seed, int size) {
            if (seed == null || seed.isEmpty() || seed.length() > MAX_SEED_LENGTH) {
                throw new IllegalArgumentException("the seed must be 1 to " + MAX_SEED_LENGTH + " characters");
            }
            if (size < 0 || size > MAX_SIZE) {
                throw new IllegalArgumentException("the sample size must be 0 to " + MAX_SIZE);
            }
            this.seed = seed;
            this.size = size;
            try {
                mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(seed.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK has no HmacSHA256", e);
            }
            best = new PriorityQueue<>(Math.max(1, size + 1), Comparator.<Ranked>naturalOrder().reversed());
        }

        /** The next id of the population; ids must come in strictly ascending UTF-8 order. */
        public void accept(String id) {
            if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH || id.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("an id is 1 to " + MAX_ID_LENGTH + " characters without newline");
            }
            if (last != null && compareCodePoints(last, id) >= 0) {
                throw new IllegalArgumentException(compareCodePoints(last, id) == 0 ? "id " + id + " appears twice"
                        : "ids must come sorted: " + id + " after " + last);
            }
            last = id;
            count++;
            byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
            populationHash.update(utf8);
            populationHash.update((byte) '\n');
            if (size == 0) {
                return;
            }
            Ranked ranked = new Ranked(mac.doFinal(utf8), id);
            if (best.size() < size) {
                best.add(ranked);
            } else if (ranked.compareTo(best.peek()) < 0) {
                best.poll();
                best.add(ranked);
            }
        }

        public Sample finish() {
            List<Ranked> chosen = new ArrayList<>(best);
            chosen.sort(Comparator.naturalOrder());
            return new Sample(ALGORITHM, seed, size, count, Sha256.of(populationHash.digest()),
                    chosen.stream().map(Ranked::id).toList(), chosen.stream().map(r -> Hex.encode(r.rank())).toList());
        }
    }

    private record Ranked(byte[] rank, String id) implements Comparable<Ranked> {
        @Override
        public int compareTo(Ranked o) {
            int c = Arrays.compareUnsigned(rank, o.rank);
            return c != 0 ? c : compareCodePoints(id, o.id); // a tie needs a 2^-256 coincidence, but stays defined
        }
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
