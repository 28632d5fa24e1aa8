package dev.happyview.lexicon;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.happyview.Json;
import dev.happyview.store.Database;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
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

    /** Inserts or replaces (every field, as HappyView does); returns the new revision. */
    int upsert(Connection c, Lexicon l, String json) throws SQLException {
        try (var st = c.prepareStatement("""
                INSERT INTO lexicons (id, lexicon_json, lexicon_type, backfill, target_collection, action, script,
                                      index_hook, token_cost)
                VALUES (?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET lexicon_json = EXCLUDED.lexicon_json, lexicon_type = EXCLUDED.lexicon_type,
                       backfill = EXCLUDED.backfill, target_collection = EXCLUDED.target_collection,
                       action = EXCLUDED.action, script = EXCLUDED.script, index_hook = EXCLUDED.index_hook,
                       token_cost = EXCLUDED.token_cost, revision = lexicons.revision + 1, updated_at = now()
                RETURNING revision""")) {
            st.setString(1, l.id());
            st.setString(2, json);
            st.setString(3, l.type());
            st.setBoolean(4, l.backfill());
            st.setString(5, l.targetCollection());
            st.setString(6, l.action());
            st.setString(7, l.script());
            st.setString(8, l.indexHook());
            st.setObject(9, l.tokenCost(), Types.INTEGER);
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
                    rs.getString("target_collection"), rs.getString("action"), rs.getString("script"),
                    rs.getString("index_hook"), rs.getObject("token_cost", Integer.class), rs.getInt("revision"),
                    Json.MAPPER.readTree(rs.getString("lexicon_json")),
                    rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
        } catch (JsonProcessingException e) {
            throw new SQLException("stored lexicon is not JSON", e);
        }
    }
}
