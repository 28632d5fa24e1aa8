package dev.happyview.lexicon;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.happyview.Json;
import dev.happyview.store.Database;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code lexicons} table. */
final class LexiconStore {
    private final Database db;

    LexiconStore(Database db) {
        this.db = db;
    }

    Optional<Lexicon> find(Connection c, String id, boolean forUpdate) throws SQLException {
        try (var st = c.prepareStatement("SELECT * FROM lexicons WHERE id = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            st.setString(1, id);
            try (var rs = st.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    Optional<Lexicon> find(String id) throws SQLException {
        try (var c = db.connection()) {
            return find(c, id, false);
        }
    }

    /** Inserts or replaces; returns the new revision. */
    int upsert(Connection c, String id, String json, String type, boolean backfill, String target) throws SQLException {
        try (var st = c.prepareStatement("""
                INSERT INTO lexicons (id, lexicon_json, lexicon_type, backfill, target_collection)
                VALUES (?, ?::jsonb, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET lexicon_json = EXCLUDED.lexicon_json, lexicon_type = EXCLUDED.lexicon_type,
                       backfill = EXCLUDED.backfill, target_collection = EXCLUDED.target_collection,
                       revision = lexicons.revision + 1, updated_at = now()
                RETURNING revision""")) {
            st.setString(1, id);
            st.setString(2, json);
            st.setString(3, type);
            st.setBoolean(4, backfill);
            st.setString(5, target);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    List<Lexicon> list() throws SQLException {
        try (var c = db.connection(); var st = c.createStatement(); var rs = st.executeQuery("SELECT * FROM lexicons ORDER BY id")) {
            var out = new ArrayList<Lexicon>();
            while (rs.next()) out.add(read(rs));
            return out;
        }
    }

    boolean delete(String id) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement("DELETE FROM lexicons WHERE id = ?")) {
            st.setString(1, id);
            return st.executeUpdate() == 1;
        }
    }

    private static Lexicon read(ResultSet rs) throws SQLException {
        try {
            return new Lexicon(rs.getString("id"), rs.getString("lexicon_type"), rs.getBoolean("backfill"),
                    rs.getString("target_collection"), rs.getInt("revision"),
                    Json.MAPPER.readTree(rs.getString("lexicon_json")),
                    rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
        } catch (JsonProcessingException e) {
            throw new SQLException("stored lexicon is not JSON", e);
        }
    }
}
