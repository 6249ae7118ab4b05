package io.controlwatch.console.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MatrixCsvTest {

    @Test
    void cellsAreQuotedAndFormulasNeutralised() {
        assertThat(ConsoleResource.cell("plain")).isEqualTo("\"plain\"");
        assertThat(ConsoleResource.cell("say \"hi\", twice")).isEqualTo("\"say \"\"hi\"\", twice\"");
        assertThat(ConsoleResource.cell("=HYPERLINK(\"http://evil\")")).isEqualTo("\"'=HYPERLINK(\"\"http://evil\"\")\"");
        assertThat(ConsoleResource.cell("+1")).isEqualTo("\"'+1\"");
        assertThat(ConsoleResource.cell("@SUM(A1)")).isEqualTo("\"'@SUM(A1)\"");
        assertThat(ConsoleResource.cell(null)).isEqualTo("\"\"");
    }
}
