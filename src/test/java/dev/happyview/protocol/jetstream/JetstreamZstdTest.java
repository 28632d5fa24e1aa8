package dev.happyview.protocol.jetstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JetstreamZstdTest {
    private static final String EVENT = """
            {"did":"did:plc:eygmaihciaxprqvxpfvl6flk","time_us":1725911162329308,"kind":"commit","commit":{"rev":\
            "3l3qo2vutsw2b","operation":"create","collection":"app.bsky.feed.like","rkey":"3l3qo2vuowo2b","record":\
            {"$type":"app.bsky.feed.like","createdAt":"2024-09-09T19:46:02.102Z","subject":{"cid":\
            "bafyreidc6sydkkbchcyg62v77wbhzvb2mvytlmsychqgwf2xojjtirmzj4","uri":\
            "at://did:plc:wa7b35aakoll7hugkrjtf3xf/app.bsky.feed.post/3l3pte3p2e325"}},"cid":\
            "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"}}""";

    @Test
    void framesNameJetstreamsDictionaryAndComeBackWhole() {
        byte[] frame = JetstreamZstd.compress(EVENT);
        assertThat(Zstd.getDictIdFromFrame(frame)).isEqualTo(JetstreamZstd.DICTIONARY_ID);
        assertThat(frame.length).as("the dictionary makes one small event much smaller").isLessThan(EVENT.length() / 2);
        assertThat(JetstreamZstd.decompress(frame, 1 << 20)).isEqualTo(EVENT);
    }

    @Test
    void aFrameWithoutItsSizeIsReadWithinTheLimit() throws Exception {
        try (var ctx = new ZstdCompressCtx(); var in = JetstreamZstdTest.class.getResourceAsStream("/jetstream/zstd_dictionary")) {
            byte[] dictionary = in.readAllBytes();
            ctx.loadDict(dictionary).setContentSize(false);
            byte[] frame = ctx.compress(EVENT.getBytes(StandardCharsets.UTF_8));
            assertThat(Zstd.getFrameContentSize(frame)).isNegative();
            assertThat(JetstreamZstd.decompress(frame, 1 << 20)).isEqualTo(EVENT);
            assertThatThrownBy(() -> JetstreamZstd.decompress(frame, 100)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void framesOfAnotherDictionaryOrNoneAndLargeEventsAreRefused() {
        byte[] plain = Zstd.compress(EVENT.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> JetstreamZstd.decompress(plain, 1 << 20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1612007021");
        assertThatThrownBy(() -> JetstreamZstd.decompress(EVENT.getBytes(StandardCharsets.UTF_8), 1 << 20))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JetstreamZstd.decompress(JetstreamZstd.compress(EVENT), 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 100");
    }
}
