package dev.happyview.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.records.RecordRow;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Postgres jsonb cannot hold NUL: only a real NUL escape counts, and it costs the one record, not the repo. */
class NulRecordsTest {
    // Built from parts so no Unicode escape appears in this source file (javac would turn it into a real NUL).
    static final String ESCAPE = "\\" + "u0000";

    @Test
    void onlyAnEscapeAfterAnEvenRunOfBackslashesIsANul() {
        assertThat(RecordRow.hasNul("{\"t\":\"a" + ESCAPE + "b\"}")).isTrue();
        assertThat(RecordRow.hasNul("{\"t\":\"" + ESCAPE + "\"}")).isTrue();
        assertThat(RecordRow.hasNul("{\"t\":\"\\\\\\" + ESCAPE.substring(1) + "\"}")).as("\\\\ then NUL").isTrue();
        assertThat(RecordRow.hasNul("{\"t\":\"\\" + ESCAPE + "\"}")).as("a post quoting the escape").isFalse();
        assertThat(RecordRow.hasNul("{\"t\":\"\\\\\\" + ESCAPE + "\"}")).as("\\\\ \\\\ u0000").isFalse();
        assertThat(RecordRow.hasNul("{\"t\":\"\\u0001 u0000\"}")).isFalse();
        assertThat(RecordRow.hasNul("{}")).isFalse();
    }

    @Test
    void theNoteNamesTheFirstRefusedRecords() {
        assertThat(new Fetched(5, List.of(), "3kaaaaaaaaaaa", true, null).note()).isNull();
        assertThat(new Fetched(5, List.of("at://a", "at://b", "at://c", "at://d"), "3kaaaaaaaaaaa", true, null).note())
                .startsWith("4 record(s) not stored (a NUL character")
                .contains("at://a, at://b, at://c, …").doesNotContain("at://d");
    }
}
