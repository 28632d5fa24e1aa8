package dev.happyview.tap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.Json;
import org.junit.jupiter.api.Test;

/** Tap's frames as Tap sends them, and everything a frame can get wrong. */
class TapEventTest {
    static final String DID = "did:plc:abcdefghijklmnopqrstuvwx";
    static final String CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm";

    static TapEvent parse(String json) {
        return TapEvent.parse(json.replace('\'', '"'));
    }

    @Test
    void aCreateKeepsItsRecordAsCompactJsonWithLinksAndBytes() throws Exception {
        String value = "{'$type':'com.example.post','text':'hi \\u00e9','n':3,'ref':{'$link':'" + CID + "'},"
                + "'data':{'$bytes':'AAEC'},'nested':[{'a':null},true]}";
        var e = parse("{'id':7,'type':'record','record':{'live':true,'did':'" + DID + "','rev':'3kaaaaaaaaaaa',"
                + "'collection':'com.example.post','rkey':'3k2a','action':'create','cid':'" + CID + "','record':" + value + "}}");
        var r = (TapEvent.RecordEvent) e;
        assertThat(r.id()).isEqualTo(7);
        assertThat(r.live()).isTrue();
        assertThat(r.uri()).isEqualTo("at://" + DID + "/com.example.post/3k2a");
        assertThat(r.cid()).isEqualTo(CID);
        assertThat(Json.MAPPER.readTree(r.recordJson())).isEqualTo(Json.MAPPER.readTree(value.replace('\'', '"')));
        assertThat(r.recordJson()).doesNotContain(" :").doesNotContain("\n");
    }

    @Test
    void fieldsMayComeInAnyOrderAndUnknownOnesAreIgnored() {
        var e = parse("{'record':{'record':{'a':1},'cid':'" + CID + "','action':'update','rkey':'k','collection':'com.example.post',"
                + "'did':'" + DID + "','rev':'3kaaaaaaaaaaa','extra':[1,{'x':2}]},'future':{'y':1},'type':'record','id':9}");
        assertThat(e).isInstanceOf(TapEvent.RecordEvent.class);
        assertThat(((TapEvent.RecordEvent) e).action()).isEqualTo("update");
        assertThat(((TapEvent.RecordEvent) e).live()).isFalse();
    }

    @Test
    void aDeleteCarriesNoRecordOrCid() {
        var e = (TapEvent.RecordEvent) parse("{'id':1,'type':'record','record':{'did':'" + DID + "','collection':'com.example.post',"
                + "'rkey':'k','action':'delete','rev':'3kaaaaaaaaaaa'}}");
        assertThat(e.cid()).isNull();
        assertThat(e.recordJson()).isNull();
    }

    @Test
    void identityEventsUseSnakeCase() {
        var e = (TapEvent.IdentityEvent) parse("{'id':2,'type':'identity','identity':{'did':'" + DID
                + "','handle':'a.test','is_active':true,'status':'active'}}");
        assertThat(e.isActive()).isTrue();
        assertThat(e.handle()).isEqualTo("a.test");
    }

    @Test
    void unusableFramesSayWhy() {
        String body = "'did':'" + DID + "','collection':'com.example.post','rkey':'k','rev':'3kaaaaaaaaaaa'";
        assertThat(reason("not json")).isEqualTo("not JSON");
        assertThat(reason("[1,2]")).isEqualTo("not a JSON object");
        assertThat(reason("{'id':1} trailing")).isEqualTo("not JSON");
        assertThat(reason("{'type':'record'}")).isEqualTo("no event id");
        assertThat(reason("{'id':-4,'type':'record'}")).isEqualTo("no event id");
        assertThat(reason("{'id':1.5,'type':'record'}")).isEqualTo("no event id");
        assertThat(reason("{'id':1,'type':'mystery'}")).isEqualTo("unknown event type mystery");
        assertThat(reason("{'id':1}")).isEqualTo("unknown event type (none)");
        assertThat(reason("{'id':1,'type':'record','record':{'did':'nope','collection':'com.example.post','rkey':'k'}}"))
                .isEqualTo("record event without a valid did");
        assertThat(reason("{'id':1,'type':'record','record':{" + body.replace("com.example.post", "bad") + ",'action':'delete'}}"))
                .isEqualTo("record event without a valid collection");
        assertThat(reason("{'id':1,'type':'record','record':{" + body + ",'action':'rename'}}")).isEqualTo("unknown action rename");
        assertThat(reason("{'id':1,'type':'record','record':{" + body.replace("3kaaaaaaaaaaa", "1") + ",'action':'delete'}}"))
                .isEqualTo("record event without a valid rev");
        assertThat(reason("{'id':1,'type':'record','record':{" + body + ",'action':'create','cid':'x','record':{}}}"))
                .isEqualTo("create without a valid cid");
        assertThat(reason("{'id':1,'type':'record','record':{" + body + ",'action':'create','cid':'" + CID + "','record':[1]}}"))
                .isEqualTo("create without a record value");
        assertThat(reason("{'id':1,'type':'record','record':{" + body + ",'action':'create','cid':'" + CID + "','record':{'t':'a\\u0000b'}}}"))
                .isEqualTo("record contains a NUL character");
        assertThat(parse("{'id':1,'type':'record','record':{" + body + ",'action':'create','cid':'" + CID
                + "','record':{'t':'quoting \\\\u0000'}}}"))
                .as("text that quotes the escape").isInstanceOf(TapEvent.RecordEvent.class);
        assertThat(reason("{'id':1,'type':'identity','identity':{'handle':'x'}}")).isEqualTo("identity event without a valid did");
        assertThat(parse("{'id':1,'type':'mystery'}").id()).isEqualTo(1);
    }

    private static String reason(String json) {
        return ((TapEvent.Unparseable) parse(json)).reason();
    }

    @Test
    void theIdIsReadWhereverItIsAndOnlyAValidOneCounts() {
        assertThat(TapEvent.idOf("{\"id\":12,\"type\":\"record\"}")).isEqualTo(12);
        assertThat(TapEvent.idOf("{\"type\":\"record\",\"record\":{\"id\":5},\"id\":13}")).isEqualTo(13);
        assertThat(TapEvent.idOf("{\"type\":\"record\",\"record\":{\"id\":5}}")).isEqualTo(-1);
        assertThat(TapEvent.idOf("{\"id\":-3}")).isEqualTo(-1);
        assertThat(TapEvent.idOf("{\"id\":\"7\"}")).isEqualTo(-1);
        assertThat(TapEvent.idOf("{\"id\":99999999999999999999999}")).isEqualTo(-1);
        assertThat(TapEvent.idOf("not json")).isEqualTo(-1);
    }
}
