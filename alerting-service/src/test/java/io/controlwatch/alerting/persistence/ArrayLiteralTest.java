package io.controlwatch.alerting.persistence;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A row's criteria travel to PostgreSQL as one array literal, which must read back as the same texts. */
class ArrayLiteralTest {

    @Test
    void noCriteriaIsTheEmptyArray() {
        assertEquals("{}", EvidenceRepository.arrayLiteral(List.of()));
    }

    @Test
    void everyElementIsQuotedSoCommasBracesAndSpacesStayInside() {
        assertEquals("{\"CC6.1\",\"a, b\",\"{x}\",\" \",\"NULL\"}",
                EvidenceRepository.arrayLiteral(List.of("CC6.1", "a, b", "{x}", " ", "NULL")));
    }

    @Test
    void quotesAndBackslashesAreEscaped() {
        assertEquals("{\"say \\\"hi\\\"\",\"c:\\\\d\"}", EvidenceRepository.arrayLiteral(List.of("say \"hi\"", "c:\\d")));
    }
}
