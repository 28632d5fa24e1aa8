package dev.happyview.protocol.firehose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.protocol.firehose.SyncRules.Verdict;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.syntax.Tid;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SyncRulesTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final long NOW_MICROS = NOW.getEpochSecond() * 1_000_000L;
    private static final String STORED = Tid.of(NOW_MICROS - 60_000_000L, 1);
    private static final String NEXT = Tid.of(NOW_MICROS - 1_000_000L, 1);
    private static final Cid DATA = Cid.ofDagCbor(new byte[] {(byte) 0xa0});
    private static final Cid OTHER = Cid.ofDagCbor(new byte[] {(byte) 0x80});

    @Test
    void aCommitThatChainsIsApplied() {
        assertThat(SyncRules.commit(STORED, DATA, NEXT, STORED, DATA, NOW).verdict()).isEqualTo(Verdict.APPLY);
        assertThat(SyncRules.commit(STORED, DATA, NEXT, STORED, null, NOW).verdict()).isEqualTo(Verdict.APPLY);
    }

    @Test
    void oldOrRepeatedRevsAreStaleAndFutureOnesRefused() {
        assertThat(SyncRules.commit(STORED, DATA, STORED, STORED, DATA, NOW).verdict()).isEqualTo(Verdict.STALE);
        assertThat(SyncRules.commit(STORED, DATA, Tid.of(NOW_MICROS - 120_000_000L, 1), null, OTHER, NOW).verdict())
                .isEqualTo(Verdict.STALE);
        String withinDrift = Tid.of(NOW_MICROS + 240_000_000L, 1);
        assertThat(SyncRules.commit(STORED, DATA, withinDrift, STORED, DATA, NOW).verdict()).isEqualTo(Verdict.APPLY);
        String beyond = Tid.of(NOW_MICROS + 360_000_000L, 1);
        assertThat(SyncRules.commit(STORED, DATA, beyond, STORED, DATA, NOW).verdict()).isEqualTo(Verdict.FUTURE);
        assertThat(SyncRules.sync(STORED, DATA, beyond, OTHER, NOW).verdict()).isEqualTo(Verdict.FUTURE);
        assertThat(Tid.micros(beyond)).isEqualTo(NOW_MICROS + 360_000_000L);
    }

    @Test
    void aBrokenChainIsAGap() {
        SyncRules.Decision since = SyncRules.commit(STORED, DATA, NEXT, Tid.of(NOW_MICROS - 30_000_000L, 1), DATA, NOW);
        assertThat(since.verdict()).isEqualTo(Verdict.GAP);
        assertThat(since.reason()).contains("since");
        SyncRules.Decision prevData = SyncRules.commit(STORED, DATA, NEXT, STORED, OTHER, NOW);
        assertThat(prevData.verdict()).isEqualTo(Verdict.GAP);
        assertThat(prevData.reason()).contains("prevData");
        assertThat(SyncRules.commit(STORED, DATA, NEXT, null, DATA, NOW).verdict()).isEqualTo(Verdict.GAP);
    }

    @Test
    void aSyncEitherConfirmsOrMovesTheRepo() {
        assertThat(SyncRules.sync(STORED, DATA, NEXT, DATA, NOW).verdict()).isEqualTo(Verdict.IN_SYNC);
        assertThat(SyncRules.sync(STORED, DATA, NEXT, OTHER, NOW).verdict()).isEqualTo(Verdict.GAP);
        assertThat(SyncRules.sync(STORED, DATA, STORED, OTHER, NOW).verdict()).isEqualTo(Verdict.STALE);
    }
}
