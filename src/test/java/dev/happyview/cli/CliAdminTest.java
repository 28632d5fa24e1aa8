package dev.happyview.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.testing.StartedApp;
import dev.happyview.testing.TestApp;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code happyview lexicon …}, {@code keys …} and the errors every admin command shares. */
class CliAdminTest {
    @StartedApp
    static TestApp app;

    static CliRunner.Result cli(String... args) {
        return CliRunner.run(app.baseUrl(), TestApp.ADMIN_KEY, args);
    }

    static Path lexicon(Path dir, String nsid) throws Exception {
        Path file = dir.resolve(nsid + ".json");
        Files.writeString(file, """
                {"lexicon":1,"id":"%s","defs":{"main":{"type":"record","key":"tid","record":{"type":"object","properties":{}}}}}"""
                .formatted(nsid));
        return file;
    }

    static long jobsFor(String collection) {
        var n = 0L;
        for (var j : app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json()) {
            if (collection.equals(j.get("collection").asText())) n++;
        }
        return n;
    }

    @Test
    void lexiconUploadStartsABackfillUnlessToldNot(@TempDir Path dir) throws Exception {
        var quiet = cli("lexicon", "upload", lexicon(dir, "com.example.quiet.thing").toString(), "--no-backfill");
        assertThat(quiet.exit()).as(quiet.toString()).isZero();
        assertThat(quiet.out().strip()).isEqualTo("uploaded com.example.quiet.thing (revision 1)");
        assertThat(jobsFor("com.example.quiet.thing")).isZero();

        var loud = cli("lexicon", "upload", lexicon(dir, "com.example.loud.thing").toString());
        assertThat(loud.exit()).as(loud.toString()).isZero();
        var lines = loud.out().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("uploaded com.example.loud.thing (revision 1)");
        assertThat(lines.get(1)).matches("started backfill job [0-9a-f-]{36}");
        assertThat(jobsFor("com.example.loud.thing")).isEqualTo(1);

        var list = cli("lexicon", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.out().lines().toList().getFirst()).matches("ID +TYPE +BACKFILL +REVISION +UPDATED");
        assertThat(list.out()).containsPattern("com.example.quiet.thing +record +no +1 +\\d{4}-")
                .containsPattern("com.example.loud.thing +record +yes +1 +\\d{4}-");

        var delete = cli("lexicon", "delete", "com.example.quiet.thing");
        assertThat(delete.exit()).as(delete.toString()).isZero();
        assertThat(cli("lexicon", "list").out()).doesNotContain("com.example.quiet.thing");
        var again = cli("lexicon", "delete", "com.example.quiet.thing");
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err().strip()).isEqualTo("error: HTTP 404 NotFound: no lexicon com.example.quiet.thing");
    }

    @Test
    void aKeyThatCannotReadJobsStillUploads(@TempDir Path dir) throws Exception {
        String uploader = app.post("/admin/api-keys", TestApp.ADMIN_KEY,
                "{\"name\":\"uploader\",\"permissions\":[\"lexicons:create\"]}").json().get("key").asText();
        var r = CliRunner.run(app.baseUrl(), uploader, "lexicon", "upload", lexicon(dir, "com.example.upload.only").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().strip()).isEqualTo("uploaded com.example.upload.only (revision 1)");
        assertThat(jobsFor("com.example.upload.only")).isEqualTo(1);
    }

    @Test
    void anInvalidLexiconFileIsReportedWithoutCallingTheServer(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("broken.json");
        Files.writeString(file, "{\"lexicon\":");
        var r = cli("lexicon", "upload", file.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: cannot read " + file + " as JSON");

        Files.writeString(file, "{\"lexicon\":1}");
        var invalid = cli("lexicon", "upload", file.toString());
        assertThat(invalid.exit()).isEqualTo(2);
        assertThat(invalid.err()).startsWith("error: HTTP 400 InvalidRequest: ");
    }

    @Test
    void keysCanBeCreatedListedUsedAndRevoked() {
        var created = cli("keys", "create", "--name", "ci reader", "--permission", "backfill:read",
                "--permission", "lexicons:read,stats:read");
        assertThat(created.exit()).as(created.toString()).isZero();
        var lines = created.out().lines().toList();
        assertThat(lines.getFirst()).matches("created key [0-9a-f-]{36} \\(ci reader\\)");
        String id = lines.getFirst().substring("created key ".length(), "created key ".length() + 36);
        String secret = lines.get(1);
        assertThat(secret).matches("hv_[0-9a-f]{32}");

        // The new key works for what it was given, and only that.
        var asReader = CliRunner.run(app.baseUrl(), secret, "status");
        assertThat(asReader.exit()).as(asReader.toString()).isZero();
        var forbidden = CliRunner.run(app.baseUrl(), secret, "keys", "list");
        assertThat(forbidden.exit()).isEqualTo(2);
        assertThat(forbidden.err().strip()).isEqualTo(
                "error: HTTP 403 InsufficientPermissions: Missing permission: api-keys:read (the key lacks this permission)");

        var list = cli("keys", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.out().lines().toList().getFirst()).matches("ID +NAME +PREFIX +PERMISSIONS +CREATED +LAST USED +REVOKED");
        assertThat(list.out()).containsPattern(id + "  ci reader +hv_\\w+ +[a-z:,-]*backfill:read[a-z:,-]* +\\d{4}-\\S+ \\S+ +\\d{4}-\\S+ \\S+ +-")
                .doesNotContain(secret);

        var revoked = cli("keys", "revoke", id);
        assertThat(revoked.exit()).as(revoked.toString()).isZero();
        assertThat(revoked.out().strip()).isEqualTo("revoked " + id);
        var afterRevoke = CliRunner.run(app.baseUrl(), secret, "status");
        assertThat(afterRevoke.exit()).isEqualTo(2);
        assertThat(afterRevoke.err()).startsWith("error: HTTP 401 ").endsWith("(check --api-key or HAPPYVIEW_API_KEY)\n");

        var unknown = cli("keys", "create", "--name", "x", "--permission", "everything");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown permission 'everything'");
    }

    @Test
    void aMissingKeyIsAClearErrorBeforeAnyRequest() {
        var r = CliRunner.run(app.baseUrl(), null, "status");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: no API key: set HAPPYVIEW_API_KEY or pass --api-key");
    }

    @Test
    void flagsOverrideTheEnvironment() {
        var r = CliRunner.runWith(Map.of("HAPPYVIEW_URL", "http://127.0.0.1:9", "HAPPYVIEW_API_KEY", "hv_wrong"), false,
                List.of("status", "--url", app.baseUrl(), "--api-key", TestApp.ADMIN_KEY));
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    @Test
    void anUnreachableServerIsAClearError() throws Exception {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var r = CliRunner.run("http://127.0.0.1:" + port, TestApp.ADMIN_KEY, "lexicon", "list");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: cannot reach HappyView at http://127.0.0.1:" + port)
                .contains("Is it running? Set --url or HAPPYVIEW_URL.");

        var notUrl = CliRunner.run("localhost:3000", TestApp.ADMIN_KEY, "status");
        assertThat(notUrl.exit()).isEqualTo(2);
        assertThat(notUrl.err()).contains("the server URL must look like http://host:port");
    }

    @Test
    void helpListsTheCommands() {
        var r = CliRunner.run(null, null, "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("serve", "backfill", "status", "lexicon", "keys");
    }
}
