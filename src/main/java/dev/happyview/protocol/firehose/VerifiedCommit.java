package dev.happyview.protocol.firehose;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.firehose.FirehoseEvent.CommitEvent;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.Commit;
import dev.happyview.protocol.repo.DagCborDecoder;
import java.util.List;

/**
 * A {@code #commit} whose signature and ops were checked.
 *
 * @param commitCid the signed commit block's CID
 * @param commit the signed commit ({@code data} is the repo's new MST root)
 * @param ops the event's ops in order, each with its record block for creates and updates
 * @param chained true when {@code prevData} was given and inverting every op gave it back; false for
 *     producers that predate sync 1.1 (no {@code prevData}, or an update/delete without {@code prev}),
 *     whose ops were only checked forward against the new tree
 */
public record VerifiedCommit(CommitEvent event, Cid commitCid, Commit commit, List<Op> ops, boolean chained) {
    public VerifiedCommit {
        ops = List.copyOf(ops);
    }

    /** One checked op; {@code record} holds the record's DAG-CBOR bytes (null for a delete). */
    public record Op(RepoOp op, byte[] record) {
        /** The record in the atproto JSON data model; refuses malformed DAG-CBOR with a {@code DagCborException}. */
        public JsonNode value() {
            return record == null ? null : DagCborDecoder.decode(record);
        }
    }
}
