package dev.happyview;

import dev.happyview.api.HealthRoutes;
import dev.happyview.api.HttpApi;
import dev.happyview.api.Routes;
import dev.happyview.auth.ApiKeyRoutes;
import dev.happyview.auth.ApiKeyService;
import dev.happyview.backfill.Backfill;
import dev.happyview.backfill.BackfillFeed;
import dev.happyview.backfill.BackfillMode;
import dev.happyview.backfill.BackfillService;
import dev.happyview.backfill.BackfillSettings;
import dev.happyview.backfill.RepoHandoff;
import dev.happyview.config.Config;
import dev.happyview.config.Setting;
import dev.happyview.dashboard.DashboardRoutes;
import dev.happyview.lexicon.LexiconRegistry;
import dev.happyview.lexicon.LexiconRoutes;
import dev.happyview.lexicon.LexiconService;
import dev.happyview.firehose.Firehose;
import dev.happyview.firehose.ResyncJobs;
import dev.happyview.live.GapRepair;
import dev.happyview.live.JetstreamSource;
import dev.happyview.live.Live;
import dev.happyview.live.LiveRoutes;
import dev.happyview.metrics.Metrics;
import dev.happyview.protocol.identity.DidResolver;
import dev.happyview.protocol.net.OutboundGuard;
import dev.happyview.protocol.xrpc.ClientSettings;
import dev.happyview.protocol.xrpc.XrpcClient;
import dev.happyview.records.RecordRoutes;
import dev.happyview.records.RecordWriter;
import dev.happyview.records.StatsRoutes;
import dev.happyview.store.Database;
import dev.happyview.store.EmbeddedPostgresServer;
import dev.happyview.store.JdbcUrls;
import dev.happyview.tap.TapChannelConsumer;
import dev.happyview.tap.TapClient;
import dev.happyview.tap.TapHandoff;
import dev.happyview.tap.TapStatsRoutes;
import dev.happyview.sync.HandOff;
import dev.happyview.sync.Housekeeping;
import dev.happyview.sync.LiveBuffer;
import dev.happyview.sync.RepoSyncStore;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/** The composition root: builds every component once, wires them by hand, and closes them in reverse order. */
public final class App implements AutoCloseable {
    private final Config config;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Database db;
    private final HttpApi http;
    private final Optional<String> generatedAdminKey;
    private XrpcClient xrpc;
    private Backfill backfill;
    private TapChannelConsumer tapConsumer;
    private Live live;
    private Firehose firehose;

    private App(Config config) throws Exception {
        this.config = config;
        try {
            String jdbcUrl;
            EmbeddedPostgresServer embedded = null;
            if (config.embeddedDatabase()) {
                embedded = EmbeddedPostgresServer.start(config.dataDir().resolve("postgres"), true);
                closeables.add(embedded);
                jdbcUrl = embedded.jdbcUrl("postgres");
            } else {
                jdbcUrl = JdbcUrls.toJdbc(config.get(Setting.DATABASE_URL));
            }
            db = Database.connect(jdbcUrl, config.getInt(Setting.DATABASE_MAX_CONNECTIONS), config.getInt(Setting.DATABASE_WORK_NICE));
            closeables.add(db);
            if (embedded != null) {
                // The service's own database: if its server dies, the service starts it again.
                embedded.supervise();
                db.describeServerWith(embedded::outage);
            }

            var keys = new ApiKeyService(db);
            generatedAdminKey = keys.ensureBootstrapKey(config.get(Setting.ADMIN_API_KEY));

            var writer = new RecordWriter(db);
            boolean allowPrivate = config.getBool(Setting.ALLOW_PRIVATE_NETWORK);
            var clientSettings = ClientSettings.defaults(allowPrivate).withHostLimits(
                    config.getInt(Setting.BACKFILL_HOST_CONCURRENCY),
                    config.getDouble(Setting.BACKFILL_HOST_RATE), 300);
            xrpc = new XrpcClient(clientSettings, new OutboundGuard(allowPrivate), Json.MAPPER, Main.version());
            closeables.add(xrpc);
            var resolver = new DidResolver(xrpc, config.get(Setting.PLC_URL));
            var registry = new LexiconRegistry();
            var lexicons = new LexiconService(db, registry);
            var modules = new ArrayList<Routes.Module>();
            var backfillSettings = BackfillSettings.from(config);
            Optional<RepoHandoff> handoff = Optional.empty();
            if (backfillSettings.mode() == BackfillMode.TAP) {
                // Tap fetches; we hand repos over and index what its channel delivers.
                var tap = new TapClient(config.get(Setting.TAP_URL), config.get(Setting.TAP_ADMIN_PASSWORD));
                handoff = Optional.of(new TapHandoff(tap));
                var consumer = new TapChannelConsumer(tap, db, writer, registry::isRecordCollection);
                consumer.start();
                tapConsumer = consumer;
                closeables.add(consumer);
                modules.add(new TapStatsRoutes(tap, consumer));
            }
            String liveSource = backfillSettings.mode() == BackfillMode.TAP ? "tap" : config.get(Setting.LIVE_SOURCE);
            if (!List.of("tap", "jetstream", "firehose", "off").contains(liveSource)) {
                throw new IllegalArgumentException("LIVE_SOURCE must be jetstream, firehose or off, got '" + liveSource + "'");
            }
            var sync = new RepoSyncStore(db);
            var liveBuffer = new LiveBuffer();
            boolean streaming = liveSource.equals("jetstream") || liveSource.equals("firehose");
            HandOff handOff = streaming ? new HandOff(db, liveBuffer, sync, writer, Duration.ofHours(1)) : HandOff.off();
            backfill = Backfill.start(db, writer, xrpc, resolver, config.get(Setting.RELAY_URL),
                    backfillSettings, registry::isRecordCollection, () -> registry.recordCollections(true), handoff, handOff);
            closeables.add(backfill);
            closeables.add(new Housekeeping(handOff, writer, Duration.ofSeconds(30)));
            var service = backfill.service();
            // A repair also prunes: what was deleted while nothing was watching must go too.
            GapRepair repair = did -> service.create(new BackfillService.CreateRequest(null, did, true, null, null, null)).id();
            if (liveSource.equals("jetstream")) {
                live = Live.startJetstream(config.get(Setting.JETSTREAM_URL), db, writer, sync, liveBuffer, handOff, resolver,
                        () -> registry.recordCollections(false), registry::isRecordCollection, repair,
                        JetstreamSource.Settings.defaults().withCompression(config.getBool(Setting.JETSTREAM_COMPRESS)));
            } else if (liveSource.equals("firehose")) {
                String url = config.get(Setting.FIREHOSE_URL).isBlank() ? config.get(Setting.RELAY_URL) : config.get(Setting.FIREHOSE_URL);
                firehose = Firehose.start(url, db, writer, sync, liveBuffer, handOff, resolver,
                        () -> registry.recordCollections(false), registry::isRecordCollection, repair, resyncJobs(service));
                live = firehose.live();
                modules.add(firehose);
            }
            if (live != null) {
                closeables.add(live);
                // Before the backfill listener: the live stream covers a new collection from the moment it is uploaded.
                lexicons.addCollectionsListener(live::collectionsChanged);
            }
            // Uploading a record lexicon with backfill on starts a job for its collection.
            lexicons.addListener(collection -> backfill.service().createForLexicon(collection));

            var metrics = new Metrics();
            closeables.add(metrics);
            writer.observeBatches(metrics::dbBatch);
            metrics.recordsWritten(writer::rowsWritten);
            metrics.httpClient(xrpc.stats());
            metrics.backfill(() -> unchecked(service::countsByStatus), () -> unchecked(service::repoCountsByState));
            if (tapConsumer != null) {
                var consumer = tapConsumer;
                metrics.tap(() -> consumer.status().eventsApplied(), () -> consumer.status().deadLetters());
            }
            var liveRoutes = new LiveRoutes(liveSource, live, db, sync, liveBuffer, writer);
            modules.add(liveRoutes);
            if (live != null) {
                var stats = live.pipeline().stats();
                metrics.live(stats::applied, stats::buffered, stats::refused, () -> {
                    var lag = stats.lag(60_000);
                    return lag == null ? Double.NaN : lag.p99Ms() / 1000.0;
                }, () -> unchecked(live.gaps()::count));
            }
            if (firehose != null) {
                var fh = firehose;
                metrics.firehose(fh.stats()::verified, fh.stats()::stale, () -> unchecked(fh::rejectionsByKind),
                        () -> unchecked(fh::resyncsByKind));
            }
            metrics.repoSync(() -> unchecked(sync::countsByState).entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().wire(), Map.Entry::getValue)));
            var feed = new BackfillFeed(backfill.service());
            // The feed before backfill.routes(): /admin/backfill/events would otherwise match /admin/backfill/{id}.
            modules.addAll(List.of(new HealthRoutes(db), new ApiKeyRoutes(keys), new LexiconRoutes(lexicons),
                    feed, backfill.routes(), new DashboardRoutes(), new RecordRoutes(db, writer),
                    new StatsRoutes(db, () -> registry.recordCollections(false), service::countsByStatus), metrics));
            http = HttpApi.start(config.get(Setting.HOST), config.getInt(Setting.PORT),
                    config.getLong(Setting.MAX_REQUEST_BYTES), keys, modules);
            closeables.add(http);
            // Closed before the HTTP server (closeables close in reverse), while its streams still have requests.
            closeables.add(feed);
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    public static App start(Config config) throws Exception {
        return new App(config);
    }

    public Config config() {
        return config;
    }

    public Database database() {
        return db;
    }

    public Backfill backfill() {
        return backfill;
    }

    /** The live source's feature when LIVE_SOURCE=jetstream or firehose (direct mode), else null. */
    public Live live() {
        return live;
    }

    /** The verified firehose source when LIVE_SOURCE=firehose, else null. */
    public Firehose firehose() {
        return firehose;
    }

    /** A resync is a backfill job of one repo: its whole signed repo (getRepo), verified, with pruning. */
    private static ResyncJobs resyncJobs(BackfillService service) {
        return new ResyncJobs() {
            @Override
            public UUID start(String did) throws Exception {
                return service.create(new BackfillService.CreateRequest(null, did, true, null, "get-repo", null)).id();
            }

            @Override
            public boolean active(UUID job) throws Exception {
                return service.get(job).map(j -> !j.status().isTerminal()).orElse(false);
            }
        };
    }

    /** The Tap channel consumer in Tap mode, else null. */
    public TapChannelConsumer tapConsumer() {
        return tapConsumer;
    }

    public XrpcClient xrpc() {
        return xrpc;
    }

    private interface SqlSupplier<T> {
        T get() throws SQLException;
    }

    private static <T> T unchecked(SqlSupplier<T> s) {
        try {
            return s.get();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return http.port();
    }

    /** The HTTP routes as {@code "METHOD /path"}. */
    public List<String> routes() {
        return http.routes();
    }

    /** The admin key generated on this start (first start without ADMIN_API_KEY only). */
    public Optional<String> generatedAdminKey() {
        return generatedAdminKey;
    }

    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                LoggerFactory.getLogger(App.class).warn("error while closing {}: {}", closeables.get(i), e.toString());
            }
        }
        closeables.clear();
    }
}
