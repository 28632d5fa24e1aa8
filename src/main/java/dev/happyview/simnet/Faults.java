package dev.happyview.simnet;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The fault spec of a {@link Scenario}: a comma-separated list (blank = no faults) of
 *
 * <pre>
 * repo faults  NAME:K[:T]      K repos (chosen from the seed, disjoint, never a giant) get fault NAME
 *   not-found      PDS: listRecords 400 InvalidRequest "Could not find repo", getRepo/describeRepo/getRepoStatus 400 RepoNotFound
 *   takendown      PDS: listRecords 400 InvalidRequest, getRepo/describeRepo 400 RepoTakendown; status takendown (relay + PDS)
 *   deactivated    like takendown with RepoDeactivated / status deactivated
 *   did-404        PLC (or the did:web host) answers 404 {"message":"DID not registered"}
 *   did-410        PLC (or the did:web host) answers 410 {"message":"DID not available"} (tombstone)
 *   wrong-pds      the DID document names an extra PDS host that does not host the repo
 *   hang           listRecords/getRepo for the repo accept and never answer (until close)   T = times, default forever
 *   slow-body      listRecords/getRepo bodies trickle out in 10 pieces over T ms (default 2000); not a failure
 *   truncated      listRecords/getRepo bodies are cut mid-way (Content-Length promised, connection closed)   T = times
 *   invalid-json   listRecords answers 200 with a body that is not JSON                                     T = times
 *   bad-sig        getRepo: commit signed with another key              → RepoVerifier BAD_SIGNATURE
 *   wrong-did      getRepo: commit names another DID (signed correctly) → WRONG_DID
 *   missing-block  getRepo: one record block left out                   → MISSING_BLOCK
 *   hash-mismatch  getRepo: one block's bytes changed, CID kept         → HASH_MISMATCH
 *   truncated-car  getRepo: a complete HTTP body holding a CAR cut inside a block → TRUNCATED
 *   cbor-bomb      getRepo: first record of each collection replaced by 10,000 nested arrays → LIMIT_EXCEEDED
 * host faults  (HOST = a PDS index 0.., "relay" or "plc")
 *   5xx:HOST:P        P% of the host's requests (deterministic from seed and request number) answer 500
 *   429-storm:HOST[:S] the first S seconds (default 10) after the host's first request answer 429 with
 *                      RateLimit-* headers (Remaining 0, Reset = end of the storm)
 *   html-429:HOST[:S]  the first S seconds (default 5) answer 429 text/html without RateLimit headers
 * </pre>
 *
 * A repo fault with a finite T (hang, truncated, invalid-json) is transient: the repo belongs to the
 * ground truth. Without T it is permanent and the repo is an expected failure. CAR faults only touch
 * getRepo: the repo still counts for the list-records strategy.
 */
public record Faults(List<RepoFaultSpec> repoFaults, List<HostFault> hostFaults) {
    public enum Kind {
        NOT_FOUND("not-found"), TAKENDOWN("takendown"), DEACTIVATED("deactivated"), DID_404("did-404"),
        DID_410("did-410"), WRONG_PDS("wrong-pds"), HANG("hang"), SLOW_BODY("slow-body"), TRUNCATED("truncated"),
        INVALID_JSON("invalid-json"), BAD_SIG("bad-sig"), WRONG_DID("wrong-did"), MISSING_BLOCK("missing-block"),
        HASH_MISMATCH("hash-mismatch"), TRUNCATED_CAR("truncated-car"), CBOR_BOMB("cbor-bomb");

        public final String spec;

        Kind(String spec) {
            this.spec = spec;
        }

        /** Only getRepo is affected. */
        public boolean carFault() {
            return ordinal() >= BAD_SIG.ordinal();
        }

        static Kind of(String s) {
            for (Kind k : values()) {
                if (k.spec.equals(s)) {
                    return k;
                }
            }
            return null;
        }
    }

    /** {@code count} repos get {@code kind}; {@code param} is T (-1 = default). */
    public record RepoFaultSpec(Kind kind, int count, int param) {}

    /** The fault one repo carries. {@code times}: how often it fires (Integer.MAX_VALUE = forever). */
    public record RepoFault(Kind kind, int param) {
        public boolean permanent() {
            return switch (kind) {
                case SLOW_BODY -> false;
                case HANG, TRUNCATED, INVALID_JSON -> param < 0;
                default -> true;
            };
        }

        int times() {
            return param < 0 ? Integer.MAX_VALUE : param;
        }

        int slowMillis() {
            return param < 0 ? 2000 : param;
        }
    }

    public enum HostFaultKind { HTTP_500, STORM_429, HTML_429 }

    /** {@code host}: "pds&lt;i&gt;", "relay" or "plc"; {@code param}: percent or seconds. */
    public record HostFault(HostFaultKind kind, String host, int param) {}

    public static final Faults NONE = new Faults(List.of(), List.of());

    public static Faults parse(String spec) {
        List<RepoFaultSpec> repo = new ArrayList<>();
        List<HostFault> host = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        for (String raw : spec.split(",")) {
            String item = raw.trim().toLowerCase(Locale.ROOT);
            if (item.isEmpty()) {
                continue;
            }
            String[] p = item.split(":");
            try {
                switch (p[0]) {
                    case "5xx" -> {
                        need(item, p, 3, 3);
                        int pct = Integer.parseInt(p[2]);
                        if (pct < 0 || pct > 100) {
                            throw new IllegalArgumentException("percent out of range in " + item);
                        }
                        host.add(new HostFault(HostFaultKind.HTTP_500, hostName(p[1]), pct));
                    }
                    case "429-storm" -> {
                        need(item, p, 2, 3);
                        host.add(new HostFault(HostFaultKind.STORM_429, hostName(p[1]), p.length > 2 ? nonNeg(p[2]) : 10));
                    }
                    case "html-429" -> {
                        need(item, p, 2, 3);
                        host.add(new HostFault(HostFaultKind.HTML_429, hostName(p[1]), p.length > 2 ? nonNeg(p[2]) : 5));
                    }
                    default -> {
                        Kind kind = Kind.of(p[0]);
                        if (kind == null) {
                            throw new IllegalArgumentException("unknown fault " + p[0]);
                        }
                        need(item, p, 2, 3);
                        int param = p.length > 2 ? nonNeg(p[2]) : -1;
                        repo.add(new RepoFaultSpec(kind, nonNeg(p[1]), param));
                    }
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad number in fault " + item, e);
            }
        }
        return new Faults(List.copyOf(repo), List.copyOf(host));
    }

    public int repoFaultCount() {
        return repoFaults.stream().mapToInt(RepoFaultSpec::count).sum();
    }

    private static void need(String item, String[] p, int min, int max) {
        if (p.length < min || p.length > max) {
            throw new IllegalArgumentException("wrong number of fields in fault " + item);
        }
    }

    private static int nonNeg(String s) {
        int v = Integer.parseInt(s);
        if (v < 0) {
            throw new IllegalArgumentException("negative number " + s);
        }
        return v;
    }

    private static String hostName(String s) {
        if (s.equals("relay") || s.equals("plc")) {
            return s;
        }
        String digits = s.startsWith("pds") ? s.substring(3) : s;
        return "pds" + nonNeg(digits);
    }
}
