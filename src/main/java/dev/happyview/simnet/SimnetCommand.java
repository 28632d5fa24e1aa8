package dev.happyview.simnet;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code simnet}: starts a {@link SimNetwork}, its Jetstream and its relay firehose, prints one JSON line
 * {@code {"relay_url","plc_url","ground_truth_url","lower_bound_ms":{"list_records","get_repo","best"},"repos","records","pds_urls",
 * "jetstream_url","firehose_url"}} and serves until interrupted. With {@code --live-rate} the network changes at that rate for
 * {@code --live-duration} seconds, then stays quiet; the ground truth is always the network as it is when asked.
 */
@Command(name = "simnet", mixinStandardHelpOptions = true,
        description = "Serve a simulated AT Protocol network (relay, PLC, PDS hosts) on 127.0.0.1.")
public class SimnetCommand implements Callable<Integer> {
    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--repos", defaultValue = "100", description = "Number of repos (default ${DEFAULT-VALUE}).")
    int repos;

    @Option(names = "--pds", defaultValue = "3", description = "Number of PDS hosts (default ${DEFAULT-VALUE}).")
    int pds;

    @Option(names = "--collections", split = ",", description = "Collection NSIDs, comma-separated.")
    List<String> collections;

    @Option(names = "--latency-ms", defaultValue = "0", description = "Latency added to every request.")
    int latencyMs;

    @Option(names = "--rate-limit", defaultValue = "0/300", description = "Points/window-seconds per PDS host, e.g. 3000/300 (0 = unlimited).")
    String rateLimit;

    @Option(names = "--get-repo-rate-limit", defaultValue = "0/300",
            description = "Points/window-seconds of a separate getRepo budget per PDS host, as newer PDS versions keep (0 = getRepo shares --rate-limit).")
    String getRepoRateLimit;

    @Option(names = "--faults", defaultValue = "", description = "Fault spec, e.g. not-found:3,5xx:0:10 (see Faults).")
    String faults;

    @Option(names = "--giants", defaultValue = "0/0", description = "N/K: N giant repos of K records.")
    String giants;

    @Option(names = "--did-web-share", defaultValue = "0", description = "Share of did:web repos (0..1).")
    double didWebShare;

    @Option(names = "--port", defaultValue = "0", description = "Relay port (0 = ephemeral).")
    int port;

    @Option(names = "--prerender", description = "Render every CAR and listRecords page (limit 100) before describing the network, so a benchmark times the service, not the simulator.")
    boolean prerender;

    @Option(names = "--tap", description = "Also start a Tap simulator over this network; adds tap_url to the JSON line.")
    boolean tap;

    @Option(names = "--tap-password", defaultValue = "", description = "Admin password of the Tap simulator (none by default).")
    String tapPassword;

    @Option(names = "--live-rate", defaultValue = "0", description = "Changes per second while live: record creates, updates, deletes, account deletions, PDS migrations (default 0: none).")
    double liveRate;

    @Option(names = "--live-duration", defaultValue = "60", description = "Seconds the network changes for with --live-rate, then it stays quiet (default ${DEFAULT-VALUE}).")
    int liveDuration;

    @Option(names = "--jetstream-window", defaultValue = "3600", description = "Seconds of events the Jetstream keeps for replay; an older cursor gets 400 CursorTooOld (default ${DEFAULT-VALUE}).")
    int jetstreamWindow;

    @Option(names = "--jetstream-faults", defaultValue = "0/0/0", description = "D/C/M: every D-th event sent twice, the connection dropped after every C-th, cut in the middle of every M-th (0 = never).")
    String jetstreamFaults;

    @Option(names = "--firehose-events", defaultValue = "1000000", description = "Events the firehose keeps for replay; an older cursor gets #info OutdatedCursor (default ${DEFAULT-VALUE}).")
    int firehoseEvents;

    @Option(names = "--firehose-faults", defaultValue = "0/0/0/0/0/0/0/0/0", description = "D/F/M/S/R/T/O/E/C, every n-th commit: dropped, an extra forged one, an extra one whose ops do not match its tree, an older one sent again, replaced by a #sync, sent tooBig, oversized; every n-th frame sent: an error frame, cut in the middle (0 = never).")
    String firehoseFaults;

    /** Completes when the network is up; for tests. */
    final CountDownLatch started = new CountDownLatch(1);
    volatile SimNetwork network;

    @Override
    public Integer call() throws Exception {
        int[] rl = pair(rateLimit, "--rate-limit");
        int[] gi = pair(giants, "--giants");
        int[] grl = pair(getRepoRateLimit, "--get-repo-rate-limit");
        Scenario.Builder b = Scenario.builder().seed(seed).repos(repos).pdsHosts(pds).latencyMs(latencyMs)
                .rateLimit(rl[0], rl[1] == 0 ? 300 : rl[1])
                .getRepoRateLimit(grl[0], grl[1] == 0 ? 300 : grl[1]).faults(faults).giants(gi[0], gi[1]).didWebShare(didWebShare);
        if (collections != null && !collections.isEmpty()) {
            b.collections(collections);
        }
        SimNetwork net = SimNetwork.start(b.build(), port);
        network = net;
        if (prerender) net.prerender(100);
        Runtime.getRuntime().addShutdownHook(new Thread(net::close));
        var description = net.describe();
        int[] jf = numbers(jetstreamFaults, 3, "--jetstream-faults must be D/C/M");
        var jetstream = JetstreamServer.start(net, Duration.ofSeconds(jetstreamWindow), 5_000_000);
        jetstream.faults(new JetstreamServer.Faults(jf[0], jf[1], jf[2]));
        Runtime.getRuntime().addShutdownHook(new Thread(jetstream::close));
        description.put("jetstream_url", jetstream.url());
        int[] ff = numbers(firehoseFaults, 9, "--firehose-faults must be D/F/M/S/R/T/O/E/C");
        var firehose = FirehoseServer.start(net, firehoseEvents);
        firehose.faults(new FirehoseServer.Faults(ff[0], ff[1], ff[2], ff[3], ff[4], ff[5], ff[6], ff[7], ff[8]));
        Runtime.getRuntime().addShutdownHook(new Thread(firehose::close));
        description.put("firehose_url", firehose.url());
        if (tap) {
            var sim = TapSimulator.start(net, new HashSet<>(net.scenario().collections()), tapPassword,
                    Duration.ofSeconds(60));
            Runtime.getRuntime().addShutdownHook(new Thread(sim::close));
            description.put("tap_url", sim.url());
        }
        System.out.println(Replies.JSON.writeValueAsString(description));
        System.out.flush();
        started.countDown();
        if (liveRate > 0) {
            var mutator = LiveMutator.start(net, liveRate, Duration.ofSeconds(liveDuration), seed);
            Runtime.getRuntime().addShutdownHook(new Thread(mutator::close));
        }
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            net.close();
        }
        return 0;
    }

    private static int[] pair(String s, String option) {
        String[] p = s.split("/");
        if (p.length != 2) {
            throw new CommandLine.ParameterException(new CommandLine(new SimnetCommand()), option + " must be A/B: " + s);
        }
        return Arrays.stream(p).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
    }

    private static int[] numbers(String s, int count, String expected) {
        String[] p = s.split("/");
        if (p.length != count) {
            throw new CommandLine.ParameterException(new CommandLine(new SimnetCommand()), expected + ": " + s);
        }
        return Arrays.stream(p).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SimnetCommand()).execute(args));
    }
}
