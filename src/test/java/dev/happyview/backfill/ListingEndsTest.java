package dev.happyview.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListingEndsTest {
    static final String PDS = "https://pds.example";
    static final String DID = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa";

    @Test
    void aHostEarnsTheShortcutWithAFullPageAndConfirmedShortPages() {
        var lost = new ArrayList<String>();
        var ends = new ListingEnds(lost::add);
        for (int i = 0; i < ListingEnds.CONFIRMATIONS; i++) {
            assertThat(ends.endsAtShortPage(PDS, DID)).as("no full page seen yet").isFalse();
            ends.afterShortPage(PDS, true);
        }
        assertThat(ends.trusted(PDS)).isFalse();
        ends.fullPage(PDS);
        assertThat(ends.trusted(PDS)).isTrue();
        assertThat(ends.endsAtShortPage("https://other.example", DID)).as("trust is per host").isFalse();
        assertThat(lost).isEmpty();
    }

    @Test
    void aTrustedHostIsStillCheckedNowAndThen() {
        var ends = trustedEnds(new ArrayList<>());
        List<Boolean> decisions = new ArrayList<>();
        for (int i = 0; i < 2 * ListingEnds.SAMPLE_EVERY; i++) decisions.add(ends.endsAtShortPage(PDS, DID));
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
            assertThat(ends.endsAtShortPage(PDS, DID)).isFalse();
        }
        ends.afterShortPage(PDS, false);
        assertThat(lost).as("told once").hasSize(1);
    }

    @Test
    void aRepoThatEndedAtAShortPageIsNotRecordedCompletedOnceItsHostLostTrust() throws Exception {
        var lost = new ArrayList<String>();
        var ends = trustedEnds(lost);
        assertThat(ends.endsAtShortPage(PDS, DID)).isTrue();
        assertThat(ends.endsAtShortPage(PDS, "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb")).isTrue();
        var recorded = new ArrayList<String>();
        assertThat(ends.complete(PDS, "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb", () -> recorded.add("b"))).isTrue();
        ends.afterShortPage(PDS, false); // another repo's listing caught the host paging short
        assertThat(lost).containsExactly(PDS);
        assertThatThrownBy(() -> ends.complete(PDS, DID, () -> recorded.add("a")))
                .isInstanceOfSatisfying(RepoFetchException.class, e -> assertThat(e.failure()).isInstanceOf(RepoFailure.Transient.class));
        assertThat(recorded).as("b was completed before the reopening, which covers it; a never").containsExactly("b");
        assertThat(ends.complete(PDS, DID, () -> recorded.add("a again"))).as("its fetch again, listed to the end").isTrue();
        assertThat(ends.complete("https://other.example", DID, () -> recorded.add("elsewhere"))).isTrue();
    }

    private static ListingEnds trustedEnds(List<String> lost) {
        var ends = new ListingEnds(lost::add);
        ends.fullPage(PDS);
        for (int i = 0; i < ListingEnds.CONFIRMATIONS; i++) ends.afterShortPage(PDS, true);
        return ends;
    }
}
