package dev.happyview.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.Json;
import org.junit.jupiter.api.Test;

class JetstreamEventTest {
    static final String DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";

    static String frame(String record) {
        return """
                {"did":"%s","time_us":1725911162329308,"kind":"commit","commit":{"rev":"3l3qo2vutsw2b","operation":"create",\
                "collection":"app.bsky.feed.like","rkey":"3l3qo2vuowo2b","record":%s,\
                "cid":"bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"}}""".formatted(DID, record);
    }

    @Test
    void theRecordAndItsCoordinatesAreRead() throws Exception {
        String record = "{\"$type\":\"app.bsky.feed.like\",\"subject\":{\"uri\":\"at://x/y/z\",\"cid\":\"c\"},"
                + "\"text\":\"brace } and quote \\\" and \\u00e9\",\"n\":[1,{\"a\":{}}]}";
        var e = (JetstreamEvent.Commit) JetstreamEvent.parse(frame(record));
        assertThat(Json.MAPPER.readTree(e.recordJson())).isEqualTo(Json.MAPPER.readTree(record));
        assertThat(e.cid()).isEqualTo("bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi");
        assertThat(e.uri()).isEqualTo("at://" + DID + "/app.bsky.feed.like/3l3qo2vuowo2b");
    }

    @Test
    void aRecordWithSpacesKeepsItsValue() throws Exception {
        String record = "{ \"text\" : \"a\" ,\n \"n\" : 1 }";
        var e = (JetstreamEvent.Commit) JetstreamEvent.parse(frame(record));
        assertThat(Json.MAPPER.readTree(e.recordJson())).isEqualTo(Json.MAPPER.readTree(record));
    }

    @Test
    void aRecordHoldingAnEscapedNulIsRefusedAndBrokenJsonIsNotJson() {
        assertThat(JetstreamEvent.parse(frame("{\"text\":\"a\\u0000b\"}"))).isInstanceOf(JetstreamEvent.Unusable.class);
        assertThat(JetstreamEvent.parse(frame("{\"text\":\"a\"")).toString()).contains("not JSON");
        assertThat(JetstreamEvent.parse(frame("{\"text\":\"a\" \"b\":1}"))).isInstanceOf(JetstreamEvent.Unusable.class);
    }
}
