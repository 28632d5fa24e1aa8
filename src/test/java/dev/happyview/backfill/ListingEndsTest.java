package dev.happyview.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListingEndsTest {
    static final String PDS = "https://pds.example";

    @Test
    void aHostEarnsTheShortcutWithAFullPageAndConfirmedShortPages() {
        var lost = new ArrayList<String>();
        var ends = new ListingEnds(lost::add);
        for (int i = 0; i < ListingEnds.CONFIRMATIONS; i++) {
            assertThat(ends.endsAtShortPage(PDS)).as("no full page seen yet").isFalse();
            ends.afterShortPage(PDS, true);
        }
        assertThat(ends.trusted(PDS)).isFalse();
        ends.fullPage(PDS);
        assertThat(ends.trusted(PDS)).isTrue();
        assertThat(ends.endsAtShortPage("https://other.example")).as("trust is per host").isFalse();
        assertThat(lost).isEmpty();
    }

    @Test
    void aTrustedHostIsStillCheckedNowAndThen() {
        var ends = trustedEnds(new ArrayList<>());
        List<Boolean> decisions = new ArrayList<>();
        for (int i = 0; i < 2 * ListingEnds.SAMPLE_EVERY; i++) decisions.add(ends.endsAtShortPage(PDS));
        assertThat(decisions.stream().filter(ended -> !ended).count()).isEqualTo(2);
    }

    @Test
    void recordsAfterAShortPageEndTheTrustForGoodAndSayWhichHost() {
        var lost = new ArrayList<String>();
        var ends = trustedEnds(lost);
        ends.afterShortPage(PDS, false);
        assertThat(lost).containsExactly(PDS);
        assertThat(ends.trusted(PDS)).isFalse();
        for (int i = 0; i < 10; i++) {
            ends.afterShortPage(PDS, true);
            assertThat(ends.endsAtShortPage(PDS)).isFalse();
        }
        ends.afterShortPage(PDS, false);
        assertThat(lost).as("told once").hasSize(1);
    }

    private static ListingEnds trustedEnds(List<String> lost) {
        var ends = new ListingEnds(lost::add);
        ends.fullPage(PDS);
        for (int i = 0; i < ListingEnds.CONFIRMATIONS; i++) ends.afterShortPage(PDS, true);
        return ends;
    }
}
