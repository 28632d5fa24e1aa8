package dev.happyview.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.config.Setting;
import dev.happyview.testing.TestApp;
import java.sql.Connection;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

/** Admin requests take their connections from the request lane, so a service whose pools are all busy still answers. */
class RequestLaneTest {
    private static final int POOL = 3;

    @Test
    void adminRequestsAnswerWhileEveryConnectionOfTheOrdinaryPoolIsHeld() throws Exception {
        try (var app = TestApp.start(TestApp.baseConfig().with(Setting.DATABASE_MAX_CONNECTIONS, Integer.toString(POOL)))) {
            var held = new ArrayList<Connection>();
            try {
                // As a backfill would: every connection of the ordinary pool busy (a request waiting for one would
                // get its 503 after the pool's 5 s wait).
                for (int i = 0; i < POOL; i++) held.add(app.app().database().connection());
                for (String route : new String[] {"/admin/stats", "/admin/backfill/status", "/admin/api-keys",
                        "/admin/records?collection=app.bsky.feed.post", "/admin/lexicons"}) {
                    long t0 = System.nanoTime();
                    var r = app.get(route, TestApp.ADMIN_KEY);
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertThat(r.status()).as(route + ": " + r.body()).isEqualTo(200);
                    assertThat(ms).as(route + " answered in ms").isLessThan(3_000);
                }
            } finally {
                for (Connection c : held) c.close();
            }
        }
    }
}
