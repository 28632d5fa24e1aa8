package dev.happyview.protocol.firehose;

import dev.happyview.protocol.repo.Cid;
import java.util.Objects;

/**
 * One record operation of a {@code #commit}: {@code path} is {@code collection/rkey}; {@code cid} the
 * new record (null for a delete); {@code prev} the record it replaced or removed (null for a create,
 * and from producers that predate sync 1.1).
 */
public record RepoOp(Action action, String path, Cid cid, Cid prev) {
    public enum Action {
        CREATE("create"), UPDATE("update"), DELETE("delete");

        private final String wire;

        Action(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        /** The action for its wire name, or null. */
        public static Action of(String wire) {
            for (Action a : values()) {
                if (a.wire.equals(wire)) {
                    return a;
                }
            }
            return null;
        }
    }

    public RepoOp {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(path, "path");
    }

    public String collection() {
        return path.substring(0, path.indexOf('/'));
    }

    public String rkey() {
        return path.substring(path.indexOf('/') + 1);
    }
}
