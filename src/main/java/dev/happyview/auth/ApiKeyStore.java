package dev.happyview.auth;

import dev.happyview.store.Database;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL for the {@code api_keys} table. */
final class ApiKeyStore {
    private final Database db;

    ApiKeyStore(Database db) {
        this.db = db;
    }

    void insert(UUID id, String name, String hash, String prefix, List<String> permissions) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement(
                        "INSERT INTO api_keys (id, name, key_hash, key_prefix, permissions) VALUES (?, ?, ?, ?, ?)")) {
            st.setObject(1, id);
            st.setString(2, name);
            st.setString(3, hash);
            st.setString(4, prefix);
            st.setArray(5, c.createArrayOf("text", permissions.toArray()));
            st.executeUpdate();
        }
    }

    Optional<ApiKey> findActiveByHash(String hash) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")) {
            st.setString(1, hash);
            try (var rs = st.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    boolean existsByHash(String hash) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement("SELECT 1 FROM api_keys WHERE key_hash = ?")) {
            st.setString(1, hash);
            try (var rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    long count() throws SQLException {
        try (var c = db.connection(); var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM api_keys")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    List<ApiKey> list() throws SQLException {
        try (var c = db.connection();
                var st = c.createStatement();
                var rs = st.executeQuery("SELECT * FROM api_keys ORDER BY created_at, id")) {
            var keys = new ArrayList<ApiKey>();
            while (rs.next()) keys.add(read(rs));
            return keys;
        }
    }

    boolean revoke(UUID id) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("UPDATE api_keys SET revoked_at = now() WHERE id = ? AND revoked_at IS NULL")) {
            st.setObject(1, id);
            return st.executeUpdate() == 1;
        }
    }

    boolean exists(UUID id) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement("SELECT 1 FROM api_keys WHERE id = ?")) {
            st.setObject(1, id);
            try (var rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    void touch(UUID id) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("UPDATE api_keys SET last_used_at = now() WHERE id = ?")) {
            st.setObject(1, id);
            st.executeUpdate();
        }
    }

    private static ApiKey read(ResultSet rs) throws SQLException {
        Array arr = rs.getArray("permissions");
        return new ApiKey(
                rs.getObject("id", UUID.class),
                rs.getString("name"),
                rs.getString("key_prefix"),
                List.of((String[]) arr.getArray()),
                instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("last_used_at")),
                instant(rs.getTimestamp("revoked_at")));
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
