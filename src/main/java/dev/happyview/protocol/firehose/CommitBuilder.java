package dev.happyview.protocol.firehose;

import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.firehose.FirehoseEvent.CommitEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.SyncEvent;
import dev.happyview.protocol.repo.BlockSource;
import dev.happyview.protocol.repo.CarWriter;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.Commit;
import dev.happyview.protocol.repo.MstTree;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Produces what a PDS emits for a repo write: a signed commit and its sync-1.1 {@code #commit} event
 * (CAR slice, ops with {@code prev}, {@code prevData}), or a {@code #sync} event. Used by the simulated
 * network and tests; the slice is checked by inverting it before it is returned.
 *
 * <p>Which blocks go in the slice: the commit, every created or updated record, every MST node the
 * write created, and every node an inversion touches — in the op order given and in the order indigo
 * uses (deletes first, then by path) — or a forward check reads. The sync spec asks for "whatever
 * blocks are needed for operation inversion"; collecting exactly what inversion reads, under both
 * orders, meets that without guessing, and covers the nodes holding keys adjacent to the changed ones.
 */
public final class CommitBuilder {
    /** One record write: {@code record} is the record's DAG-CBOR (null for a delete). */
    public record Write(RepoOp.Action action, String path, byte[] record) {}

    /**
     * @param newBlocks every block the commit created (MST nodes, records, the commit): the repo's
     *     store needs them to build the next commit or serve the repo
     */
    public record Built(CommitEvent event, Commit commit, Cid commitCid, Map<Cid, byte[]> newBlocks) {}

    private CommitBuilder() {}

    /**
     * @param prevData the repo's current MST root, or null for a repo's first commit (empty tree)
     * @param store a full store of the repo's current tree
     * @param since the repo's current rev (null for the first commit)
     * @throws IllegalArgumentException when a write does not fit the tree (create of an existing path,
     *     update or delete of a missing one, a path twice)
     */
    public static Built commit(String did, AtprotoKeyPair key, Cid prevData, BlockSource store, String since, String rev,
                               List<Write> writes, long seq, String time) {
        MstTree tree = prevData == null ? MstTree.empty() : MstTree.load(prevData, store);
        Map<Cid, byte[]> records = new LinkedHashMap<>();
        List<RepoOp> ops = new ArrayList<>(writes.size());
        Set<String> paths = new HashSet<>();
        for (Write w : writes) {
            if (!paths.add(w.path())) {
                throw new IllegalArgumentException("path " + w.path() + " written twice in one commit");
            }
            ops.add(apply(tree, w, records));
        }
        Map<Cid, byte[]> nodes = new LinkedHashMap<>();
        Cid data = tree.write(nodes::put);
        Commit commit = Commit.sign(did, data, rev, null, key);
        byte[] commitBlock = commit.encode();
        Cid commitCid = Cid.ofDagCbor(commitBlock);

        BlockSource after = cid -> nodes.containsKey(cid) ? nodes.get(cid) : store.get(cid);
        Set<Cid> proof = proof(data, after, nodes.keySet(), ops, prevData == null ? MstTree.empty().rootCid() : prevData);

        Map<Cid, byte[]> slice = new LinkedHashMap<>();
        slice.put(commitCid, commitBlock);
        proof.forEach(cid -> slice.put(cid, after.get(cid)));
        slice.putAll(records);
        Map<Cid, byte[]> created = new LinkedHashMap<>(nodes);
        created.putAll(records);
        created.put(commitCid, commitBlock);
        CommitEvent event = new CommitEvent(seq, did, rev, since, commitCid, CarWriter.toBytes(commitCid, slice), ops,
                prevData, time, false);
        return new Built(event, commit, commitCid, created);
    }

    /** The {@code #sync} event announcing {@code commit} as the repo's current state. */
    public static SyncEvent sync(long seq, Commit commit, String time) {
        byte[] block = commit.encode();
        Cid cid = Cid.ofDagCbor(block);
        return new SyncEvent(seq, commit.did(), commit.rev(), CarWriter.toBytes(cid, Map.of(cid, block)), time);
    }

    private static RepoOp apply(MstTree tree, Write w, Map<Cid, byte[]> records) {
        if (w.action() == RepoOp.Action.DELETE) {
            Cid prev = tree.remove(w.path());
            if (prev == null) {
                throw new IllegalArgumentException("delete of missing record " + w.path());
            }
            return new RepoOp(RepoOp.Action.DELETE, w.path(), null, prev);
        }
        Cid cid = Cid.ofDagCbor(w.record());
        records.put(cid, w.record());
        Cid prev = tree.put(w.path(), cid);
        if ((prev == null) != (w.action() == RepoOp.Action.CREATE)) {
            throw new IllegalArgumentException(w.action().wire() + " of " + (prev == null ? "missing" : "existing")
                    + " record " + w.path());
        }
        return new RepoOp(w.action(), w.path(), cid, prev);
    }

    /**
     * The MST nodes of the slice: the new ones, and every node that inverting {@code ops} (in their order
     * and in indigo's) or checking them forward reads from the new tree rooted at {@code data}.
     */
    static Set<Cid> proof(Cid data, BlockSource after, Set<Cid> newNodes, List<RepoOp> ops, Cid before) {
        Set<Cid> proof = new LinkedHashSet<>(newNodes);
        proof.addAll(touched(data, after, t -> CommitVerifier.invert(ops, before, t)));
        proof.addAll(touched(data, after, t -> CommitVerifier.invert(indigoOrder(ops), before, t)));
        proof.addAll(touched(data, after, t -> CommitVerifier.checkForward(ops, t)));
        return proof;
    }

    /** The CIDs a check reads when run on a fresh copy of the new tree. */
    private static Set<Cid> touched(Cid root, BlockSource blocks, Consumer<MstTree> check) {
        Set<Cid> read = new LinkedHashSet<>();
        check.accept(MstTree.load(root, cid -> {
            read.add(cid);
            return blocks.get(cid);
        }));
        return read;
    }

    private static List<RepoOp> indigoOrder(List<RepoOp> ops) {
        List<RepoOp> sorted = new ArrayList<>(ops);
        sorted.sort(Comparator.comparing((RepoOp op) -> op.action() != RepoOp.Action.DELETE).thenComparing(RepoOp::path));
        return sorted;
    }
}
