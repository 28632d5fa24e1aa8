package dev.happyview.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.happyview.config.Setting;
import dev.happyview.simnet.FirehoseServer;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.simnet.JetstreamServer;
import dev.happyview.simnet.TapSimulator;
import dev.happyview.testing.Prerequisites;
import dev.happyview.testing.TestApp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, installed by
 * {@code scripts/install-browser.sh}) against the service and the simulated network. Screenshots of every state go
 * to {@code target/dashboard-screenshots/}. Without the browser the test fails on CI and is skipped elsewhere
 * ({@link Prerequisites}).
 */
class DashboardBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "dashboard-screenshots");
    static final String POSTS = "com.example.feed.post";

    ChromeDriver browser;
    WebDriverWait wait;

    // Why the browser cannot run here (null when it can); each test then aborts with it.
    static String skipReason;

    @BeforeAll
    static void needsChromium() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            skipReason = Prerequisites.missing("DashboardBrowserTest", CHROMIUM + " or " + DRIVER + " is missing",
                    "Run scripts/install-browser.sh as root (Debian packages chromium and chromium-driver)");
        }
        Files.createDirectories(SHOTS);
    }

    @BeforeEach
    void startBrowser() {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        var options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // The background-networking flags keep Chromium from calling out on a closed network at every start.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--window-size=1280,1000");
        var logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        var service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(60));
    }

    /** The last state of every test, passed or not: the first thing to look at when one fails. */
    @AfterEach
    void stopBrowser(TestInfo test) throws IOException {
        if (browser == null) return;
        try {
            shot("last-" + test.getTestMethod().map(m -> m.getName()).orElse("test"));
            browser.manage().logs().get(LogType.BROWSER).getAll().forEach(e -> System.err.println("browser: " + e));
        } finally {
            browser.quit();
        }
    }

    @Test
    void signInUploadWatchTheJobCompleteThenCreateAndCancelAnother() throws Exception {
        // Slow enough (one request at a time per host, 60 ms each) that the second job can be cancelled while it runs.
        // Three repos fail for good (two not found, one taken down): the job view must list them with their reasons.
        var scenario = Scenario.builder().seed(7).repos(120).pdsHosts(2).collections(POSTS).smallMax(30).largeShare(0)
                .latencyMs(60).faults("not-found:2,takendown:1").build();
        try (var net = SimNetwork.start(scenario);
                var app = TestApp.start(TestApp.baseConfig()
                        .with(Setting.RELAY_URL, net.relayUrl()).with(Setting.PLC_URL, net.plcUrl())
                        .with(Setting.BACKFILL_HOST_CONCURRENCY, "1"))) {
            long expected = net.groundTruth(Set.of(POSTS), null).size();
            browser.get(app.baseUrl() + "/dashboard");
            shot("01-sign-in");

            // A wrong key is refused in place.
            type("api-key", "hv_not_a_real_key_00000000000000000");
            byId("sign-in-form").submit();
            wait.until(d -> !byId("sign-in-error").getText().isEmpty());
            assertThat(byId("sign-in-error").getText()).contains("not accepted");
            assertThat(byId("app").isDisplayed()).isFalse();

            type("api-key", TestApp.ADMIN_KEY);
            byId("sign-in-form").submit();
            wait.until(d -> byId("app").isDisplayed());
            assertThat(js("return sessionStorage.getItem('happyview.apiKey')")).isEqualTo(TestApp.ADMIN_KEY);
            wait.until(d -> byId("live").getText().equals("live"));
            assertThat(byId("jobs-empty").isDisplayed()).isTrue();
            shot("02-signed-in-no-jobs");

            // Lexicons: a bad document is refused inline, a good one is uploaded and starts its backfill.
            byId("tab-lexicons").click();
            wait.until(d -> byId("panel-lexicons").isDisplayed());
            setValue("lexicon-json", "{\"lexicon\":1,\"id\":\"not an nsid\",\"defs\":{}}");
            byId("lexicon-upload").click();
            wait.until(d -> !byId("lexicon-error").getText().isEmpty());
            assertThat(byId("lexicon-error").getText()).contains("400");
            shot("03-lexicon-validation-error");
            setValue("lexicon-json", """
                    {"lexicon":1,"id":"%s","defs":{"main":{"type":"record","key":"tid",
                     "record":{"type":"object","properties":{"text":{"type":"string"}}}}}}""".formatted(POSTS));
            assertThat(byId("lexicon-backfill").isSelected()).as("backfill is on by default").isTrue();
            byId("lexicon-upload").click();
            wait.until(d -> byId("lexicon-ok").getText().contains("Uploaded " + POSTS));
            wait.until(d -> byId("lexicons-body").getText().contains(POSTS));
            assertThat(byId("lexicon-error").getText()).isEmpty();
            shot("04-lexicon-uploaded");

            // The auto-created job shows up in the jobs table, pushed over SSE, and reaches completed.
            byId("tab-backfill").click();
            wait.until(d -> byId("jobs-body").findElements(By.tagName("tr")).size() == 1);
            wait.until(d -> byId("jobs-body").getText().contains("running"));
            shot("05-job-running");
            wait.until(d -> byId("jobs-body").getText().contains("completed"));
            WebElement row = byId("jobs-body").findElement(By.tagName("tr"));
            assertThat(row.findElement(By.cssSelector("td.records")).getText().replace(",", ""))
                    .isEqualTo(Long.toString(expected));
            assertThat(app.indexedRecords()).hasSize((int) expected);
            shot("06-job-completed");

            // Its detail view: stages done, the exact count.
            row.findElement(By.tagName("a")).click();
            wait.until(d -> byId("job-view").isDisplayed() && byId("job-stages").getText().contains("Fetching records"));
            assertThat(byId("job-facts").getText()).contains(String.format("%,d", expected));
            assertThat(byId("job-cancel").isDisplayed()).as("no cancel on an ended job").isFalse();
            wait.until(d -> byId("job-repos-body").findElements(By.tagName("tr")).size() == 3);
            for (WebElement repo : byId("job-repos-body").findElements(By.tagName("tr"))) {
                var cells = repo.findElements(By.tagName("td"));
                assertThat(cells.get(1).getText()).isEqualTo("skipped");
                assertThat(cells.get(4).getText()).as("the reason").isNotBlank();
            }
            assertThat(byId("job-repos-body").getText()).contains("Could not find repo");
            shot("07-job-detail-completed");
            byId("job-back").click();
            wait.until(d -> byId("jobs-view").isDisplayed());

            // A second job, created from the form and cancelled while it runs: Cancelling…, then cancelled.
            new Select(byId("job-collection")).selectByValue(POSTS);
            new Select(byId("job-strategy")).selectByValue("list-records");
            byId("job-create").click();
            wait.until(d -> byId("job-view").isDisplayed() && byId("job-cancel").isDisplayed() && byId("job-cancel").isEnabled());
            shot("08-second-job-running");
            byId("job-cancel").click();
            wait.until(d -> byId("job-badges").getText().contains("cancel"));
            assertThat(byId("job-badges").getText()).containsAnyOf("cancelling", "cancelled");
            shot("09-cancelling");
            wait.until(d -> byId("job-badges").getText().contains("cancelled"));
            assertThat(byId("job-cancel").isDisplayed()).isFalse();
            shot("10-cancelled");
            byId("job-back").click();
            wait.until(d -> byId("jobs-body").findElements(By.tagName("tr")).size() == 2);
            assertThat(byId("jobs-body").getText()).contains("cancelled").contains("completed");
            shot("11-jobs-table");

            // Records: browse by collection, page, and open one as JSON.
            byId("tab-records").click();
            new Select(byId("records-collection")).selectByValue(POSTS);
            byId("records-form").submit();
            wait.until(d -> byId("records-body").findElements(By.tagName("tr")).size() == 25);
            wait.until(d -> byId("records-total").getText().contains(String.format("%,d records", expected)));
            String firstPage = byId("records-body").getText();
            byId("records-next").click();
            wait.until(d -> !byId("records-body").getText().equals(firstPage));
            byId("records-body").findElement(By.cssSelector("button.link")).click();
            wait.until(d -> byId("record-view").isDisplayed());
            assertThat(byId("record-json").getText()).startsWith("{").contains("\"$type\": \"" + POSTS + "\"");
            shot("12-records");

            // Keyboard: the tabs follow the arrow keys.
            byId("tab-records").sendKeys(Keys.ARROW_RIGHT);
            wait.until(d -> "true".equals(byId("tab-stream").getAttribute("aria-selected")));
            assertThat(js("return document.activeElement.id")).isEqualTo("tab-stream");
            // Live tab without a live source (LIVE_SOURCE=off) says so and still counts repos by sync state.
            wait.until(d -> byId("live-state").getText().equals("off"));
            assertThat(byId("live-summary").getText()).contains("LIVE_SOURCE=off");
            assertThat(byId("live-repo-states").getText()).contains("synchronized");
            byId("tab-records").sendKeys(Keys.ARROW_LEFT);
            wait.until(d -> "true".equals(byId("tab-lexicons").getAttribute("aria-selected")));
            assertThat(js("return document.activeElement.id")).isEqualTo("tab-lexicons");
            byId("tab-lexicons").sendKeys(Keys.ARROW_LEFT);
            wait.until(d -> "true".equals(byId("tab-backfill").getAttribute("aria-selected")));

            // Direct mode: the Backfill page has no Tap section (the service answered 404 for Tap's stats).
            wait.until(d -> "false".equals(js("return String(state.tapMode)")));
            assertThat(byId("tap-stats").isDisplayed()).isFalse();
            shot("13-backfill-direct-mode");

            assertAccessibleAndNoScriptErrors();
            phoneWidth();
        }
    }

    @Test
    void tapModeShowsTapsCounters() throws Exception {
        var scenario = Scenario.builder().seed(3).repos(20).pdsHosts(2).collections(POSTS).build();
        try (var net = SimNetwork.start(scenario);
                var tap = TapSimulator.start(net, Set.of(POSTS), "secret", Duration.ofSeconds(1));
                var app = TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, net.relayUrl())
                        .with(Setting.PLC_URL, net.plcUrl()).with(Setting.BACKFILL_MODE, "tap")
                        .with(Setting.TAP_URL, tap.url()).with(Setting.TAP_ADMIN_PASSWORD, "secret"))) {
            assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, TestApp.recordLexiconUpload(POSTS, true)).status())
                    .isEqualTo(201);
            long expected = net.groundTruth(Set.of(POSTS), null).size();
            browser.get(app.baseUrl() + "/dashboard#backfill");
            type("api-key", TestApp.ADMIN_KEY);
            byId("sign-in-form").submit();
            // Tap's counters are on the Backfill page, above the jobs; they refresh by themselves as Tap backfills
            // and the channel delivers.
            wait.until(d -> byId("tap-cards").isDisplayed() && byId("jobs-body").findElements(By.tagName("tr")).size() == 1);
            wait.until(d -> byId("tap-repos").getText().equals("20")
                    && byId("tap-records").getText().replace(",", "").equals(Long.toString(expected))
                    && byId("tap-state").getText().equals("connected"));
            // Tap delivers at least once, so the consumer may have applied more events than there are records.
            assertThat(byId("tap-rate").getText()).contains("events/s").contains("applied");
            assertThat(byId("live").getText()).isEqualTo("live");
            shot("14-tap-mode");
            assertAccessibleAndNoScriptErrors();
        }
    }

    @Test
    void theLiveTabShowsTheStream() throws Exception {
        var scenario = Scenario.builder().seed(4).repos(10).pdsHosts(2).collections(POSTS).build();
        try (var net = SimNetwork.start(scenario);
                var jetstream = JetstreamServer.start(net, Duration.ofMinutes(5), 100_000);
                var app = TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, net.relayUrl())
                        .with(Setting.PLC_URL, net.plcUrl()).with(Setting.LIVE_SOURCE, "jetstream")
                        .with(Setting.JETSTREAM_URL, jetstream.url()))) {
            assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, TestApp.recordLexiconUpload(POSTS, false)).status())
                    .isEqualTo(201);
            browser.get(app.baseUrl() + "/dashboard#stream");
            type("api-key", TestApp.ADMIN_KEY);
            byId("sign-in-form").submit();
            wait.until(d -> byId("live-state").getText().equals("connected"));
            for (int i = 0; i < 5; i++) {
                net.createRecord(net.dids().get(i), POSTS, JsonNodeFactory.instance.objectNode().put("text", "live " + i));
            }
            // The cards refresh by themselves as events are committed.
            wait.until(d -> byId("live-counts").getText().startsWith("5 applied"));
            assertThat(byId("live-url").getText()).contains(jetstream.url());
            assertThat(byId("live-lag").getText()).matches("lag p50 [0-9,]+ ms · p99 [0-9,]+ ms");
            assertThat(byId("live-repo-states").getText()).startsWith("5 synchronized");
            assertThat(byId("live-no-gaps").isDisplayed()).isTrue();
            shot("15-live");
            assertAccessibleAndNoScriptErrors();
        }
    }

    @Test
    void withTheVerifiedFirehoseTheLiveTabShowsVerificationAndResyncs() throws Exception {
        var scenario = Scenario.builder().seed(5).repos(10).pdsHosts(2).collections(POSTS).build();
        try (var net = SimNetwork.start(scenario);
                var firehose = FirehoseServer.start(net, 100_000);
                var app = TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, net.relayUrl())
                        .with(Setting.PLC_URL, net.plcUrl()).with(Setting.LIVE_SOURCE, "firehose")
                        .with(Setting.FIREHOSE_URL, firehose.url()))) {
            assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, TestApp.recordLexiconUpload(POSTS, false)).status())
                    .isEqualTo(201);
            browser.get(app.baseUrl() + "/dashboard#stream");
            type("api-key", TestApp.ADMIN_KEY);
            byId("sign-in-form").submit();
            wait.until(d -> byId("live-state").getText().equals("connected"));
            for (int i = 0; i < 3; i++) {
                net.createRecord(net.dids().get(i), POSTS, JsonNodeFactory.instance.objectNode().put("text", "live " + i));
            }
            wait.until(d -> byId("live-verified").getText().equals("3"));
            assertThat(byId("live-verify-counts").getText()).startsWith("0 stale ignored · 0 refused");
            assertThat(byId("live-cursor").getText()).as("the relay's seq").matches("seq [0-9,]+");
            assertThat(byId("live-resyncs").getText()).isEqualTo("0");
            assertThat(byId("live-resync-kinds").getText()).isEqualTo("none needed");
            shot("16-live-firehose");
            assertAccessibleAndNoScriptErrors();
        }
    }

    /** Every visible form control has a label, and the page threw no script error. */
    private void assertAccessibleAndNoScriptErrors() {
        Object unlabelled = js("""
                return [...document.querySelectorAll('input, select, textarea, button')]
                  .filter(e => e.offsetParent !== null)
                  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
                  .map(e => e.id || e.outerHTML.slice(0, 60));""");
        assertThat((List<?>) unlabelled).as("controls without a label").isEmpty();
        var errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                // Refused requests (the wrong key, the invalid lexicon) are logged by the browser itself.
                .filter(e -> !e.getMessage().contains("Failed to load resource"))
                .map(e -> e.getMessage()).toList();
        assertThat(errors).as("browser console errors").isEmpty();
    }

    /** Readable at phone width: nothing wider than the screen but the scrollable tables. */
    private void phoneWidth() throws IOException {
        browser.manage().window().setSize(new Dimension(390, 844));
        browser.get(browser.getCurrentUrl().replaceAll("#.*", "") + "#backfill");
        wait.until(d -> byId("jobs-body").findElements(By.tagName("tr")).size() == 2);
        Number overflow = (Number) js("return document.documentElement.scrollWidth - window.innerWidth");
        assertThat(overflow.intValue()).as("horizontal overflow at 390 px").isLessThanOrEqualTo(0);
        shot("15-phone-width");
    }

    private WebElement byId(String id) {
        return browser.findElement(By.id(id));
    }

    private void type(String id, String text) {
        var e = byId(id);
        e.clear();
        e.sendKeys(text);
    }

    /** Sets a textarea's value at once (typing 200 characters of JSON key by key is slow and adds nothing). */
    private void setValue(String id, String text) {
        browser.executeScript("arguments[0].value = arguments[1]", byId(id), text);
    }

    private Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private void shot(String name) throws IOException {
        Files.write(SHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }
}
