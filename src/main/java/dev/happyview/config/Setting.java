package dev.happyview.config;

/**
 * Every setting of the service, in one list: the environment variable, the CLI flag that overrides it, its default
 * and what it means. {@code ./happyview serve --help} and the README table are generated from this list.
 */
public enum Setting {
    HOST("HOST", "--host", "0.0.0.0", "Address the HTTP server binds to."),
    PORT("PORT", "--port", "3000", "HTTP port of the admin API and dashboard."),
    DATABASE_URL("DATABASE_URL", "--database-url", "",
            "External Postgres (postgres://user:pass@host:port/db or a jdbc:postgresql: URL). Empty: an embedded Postgres under DATA_DIR."),
    DATABASE_MAX_CONNECTIONS("DATABASE_MAX_CONNECTIONS", "--database-max-connections", "16", "Size of the JDBC connection pool."),
    DATABASE_WORK_NICE("DATABASE_WORK_NICE", "--database-work-nice", "19",
            "With Postgres on this machine: the nice (0-19) of the CPU share of its backends doing background work, so admin requests answer first under load; 0 leaves them equal."),
    DATA_DIR("DATA_DIR", "--data-dir", "./data", "Where the embedded database and other local state live."),
    RELAY_URL("RELAY_URL", "--relay-url", "https://relay1.us-east.bsky.network", "Relay used to discover repos (listReposByCollection)."),
    PLC_URL("PLC_URL", "--plc-url", "https://plc.directory", "PLC directory used to resolve did:plc identities."),
    TAP_URL("TAP_URL", "--tap-url", "http://localhost:2480", "Tap service used when BACKFILL_MODE=tap."),
    TAP_ADMIN_PASSWORD("TAP_ADMIN_PASSWORD", "--tap-admin-password", "", "Tap admin password (HTTP Basic, user admin)."),
    BACKFILL_MODE("BACKFILL_MODE", "--backfill-mode", "direct", "direct: fetch records from each PDS; tap: hand repos to Tap."),
    LIVE_SOURCE("LIVE_SOURCE", "--live-source", "jetstream",
            "Live changes in direct mode: jetstream (JETSTREAM_URL, unsigned), firehose (FIREHOSE_URL, verified) or off. In Tap mode Tap's channel carries them."),
    JETSTREAM_URL("JETSTREAM_URL", "--jetstream-url", "wss://jetstream2.us-east.bsky.network",
            "Jetstream subscribed to when LIVE_SOURCE=jetstream."),
    JETSTREAM_COMPRESS("JETSTREAM_COMPRESS", "--jetstream-compress", "false",
            "true: ask Jetstream for zstd-compressed events (compress=true, its published dictionary), about half the bytes."),
    FIREHOSE_URL("FIREHOSE_URL", "--firehose-url", "",
            "Relay firehose (com.atproto.sync.subscribeRepos) when LIVE_SOURCE=firehose. Empty: the host of RELAY_URL."),
    ADMIN_API_KEY("ADMIN_API_KEY", "--admin-api-key", "",
            "Bootstrap admin key (hv_ + 32 hex). Empty: one is generated and printed on first start."),
    ALLOW_PRIVATE_NETWORK("ALLOW_PRIVATE_NETWORK", "--allow-private-network", "false",
            "Allow fetching from loopback/private addresses and plain http (tests and simnet demos only)."),
    BACKFILL_STRATEGY("BACKFILL_STRATEGY", "--backfill-strategy", "auto",
            "Default fetch strategy of jobs that name none: auto, list-records or get-repo."),
    BACKFILL_CONCURRENCY("BACKFILL_CONCURRENCY", "--backfill-concurrency", "256",
            "Repos fetched at once by this process, across all jobs."),
    BACKFILL_HOST_CONCURRENCY("BACKFILL_HOST_CONCURRENCY", "--backfill-host-concurrency", "8",
            "Requests in flight to one host (PDS, PLC, relay)."),
    BACKFILL_HOST_RATE("BACKFILL_HOST_RATE", "--backfill-host-rate", "9",
            "Requests per second to a host that does not announce RateLimit headers (burst 300: under 3000 per 5 min)."),
    BACKFILL_MAX_ATTEMPTS("BACKFILL_MAX_ATTEMPTS", "--backfill-max-attempts", "5",
            "Attempts per repo before a transient failure marks it failed."),
    BACKFILL_RETRY_SECONDS("BACKFILL_RETRY_SECONDS", "--backfill-retry-seconds", "5",
            "First retry delay of a repo after a transient failure; doubles per attempt up to 5 minutes."),
    BACKFILL_LEASE_SECONDS("BACKFILL_LEASE_SECONDS", "--backfill-lease-seconds", "60",
            "How long a repo claim lasts without renewal; a dead process's claims return after this."),
    MAX_REQUEST_BYTES("MAX_REQUEST_BYTES", "--max-request-bytes", "1048576", "Largest admin request body accepted (413 above).");

    public final String env;
    public final String flag;
    public final String defaultValue;
    public final String description;

    Setting(String env, String flag, String defaultValue, String description) {
        this.env = env;
        this.flag = flag;
        this.defaultValue = defaultValue;
        this.description = description;
    }
}
