package io.controlwatch.evidence.sampling;

import io.controlwatch.evidence.Sha256;

import java.util.List;

/**
 * A drawn sample and what it takes to check it.
 *
 * @param algorithm       {@link Sampling#ALGORITHM}
 * @param size            the size asked for (the sample holds fewer ids only when the population is smaller)
 * @param populationSize  how many ids the population held
 * @param populationHash  SHA-256 of the population's ids, sorted, each followed by a newline
 *                        ({@code LC_ALL=C sort ids.txt | sha256sum})
 * @param ids             the selected ids, in rank order (the smallest rank first)
 * @param ranks           each selected id's rank, HMAC-SHA256(seed, id) in hex, in the same order
 */
public record Sample(String algorithm, String seed, int size, long populationSize, Sha256 populationHash,
                     List<String> ids, List<String> ranks) {

    public Sample {
        ids = List.copyOf(ids);
        ranks = List.copyOf(ranks);
    }
}
