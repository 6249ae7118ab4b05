package io.controlwatch.alerting.persistence;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Rows travel to PostgreSQL as one array per column; a row's list (its criteria) as one array literal, which must read
 * back as the same texts. The statements that use them run against PostgreSQL in EvidenceChainIT and NotificationIT.
 */
class ColumnArraysTest {

    private record Row(String id, String name, Instant at, List<String> tags) {
    }

    private static final ColumnArrays<Row> ROWS = new ColumnArrays<>(List.of(
            ColumnArrays.column("id", "uuid", Row::id),
            ColumnArrays.column("name", "text", Row::name),
            ColumnArrays.column("at", "timestamptz", row -> ColumnArrays.time(row.at())),
            ColumnArrays.list("tags", Row::tags)));

    @Test
    void theStatementReadsEachColumnFromItsOwnParameterCastToItsType() {
        assertEquals("unnest(cast(cast(?3 as text[]) as uuid[]), cast(?4 as text[]), "
                + "cast(cast(?5 as text[]) as timestamptz[]), cast(?6 as text[])) as r(id, name, at, tags)",
                ROWS.unnest(3, "r"));
    }

    @Test
    void aListColumnTravelsAsLiteralsAndIsSelectedAsAnArray() {
        assertEquals("r.id, r.name, r.at, cast(r.tags as text[]) as tags", ROWS.select("r"));
    }

    @Test
    void anInsertTakesTheRowsFromTheFirstParametersIntoColumnsOfTheSameNames() {
        assertEquals("insert into t (id, name, at, tags)\nselect r.id, r.name, r.at, cast(r.tags as text[]) as tags from "
                + ROWS.unnest(1, "r") + "\n", ROWS.insertInto("t"));
    }

    @Test
    void theParametersAreOneArrayPerColumnInTheStatementsOrderWithNullsKept() {
        Object[] parameters = ROWS.parameters(List.of(
                new Row("6f1c3c8e-0000-4000-8000-000000000001", "a", Instant.parse("2026-12-06T08:00:00.123456Z"),
                        List.of("CC6.1", "CC7.2")),
                new Row("6f1c3c8e-0000-4000-8000-000000000002", null, null, List.of())));
        assertEquals(4, parameters.length);
        assertArrayEquals(new String[] {"6f1c3c8e-0000-4000-8000-000000000001", "6f1c3c8e-0000-4000-8000-000000000002"},
                (String[]) parameters[0]);
        assertArrayEquals(new String[] {"a", null}, (String[]) parameters[1]);
        assertArrayEquals(new String[] {"2026-12-06T08:00:00.123456Z", null}, (String[]) parameters[2]);
        assertArrayEquals(new String[] {"{\"CC6.1\",\"CC7.2\"}", "{}"}, (String[]) parameters[3]);
    }

    @Test
    void parametersAfterTheRowsFollowTheirColumns() {
        Object[] parameters = ROWS.parameters(List.of(new Row("6f1c3c8e-0000-4000-8000-000000000001", "a", null,
                List.of())), "2026-12-06T08:00:00Z", "60000 milliseconds");
        assertEquals(6, parameters.length);
        assertArrayEquals(new String[] {"a"}, (String[]) parameters[1]);
        assertEquals("2026-12-06T08:00:00Z", parameters[4]);
        assertEquals("60000 milliseconds", parameters[5]);
    }

    @Test
    void noCriteriaIsTheEmptyArray() {
        assertEquals("{}", ColumnArrays.arrayLiteral(List.of()));
    }

    @Test
    void everyElementIsQuotedSoCommasBracesAndSpacesStayInside() {
        assertEquals("{\"CC6.1\",\"a, b\",\"{x}\",\" \",\"NULL\"}",
                ColumnArrays.arrayLiteral(List.of("CC6.1", "a, b", "{x}", " ", "NULL")));
    }

    @Test
    void quotesAndBackslashesAreEscaped() {
        assertEquals("{\"say \\\"hi\\\"\",\"c:\\\\d\"}", ColumnArrays.arrayLiteral(List.of("say \"hi\"", "c:\\d")));
    }
}
