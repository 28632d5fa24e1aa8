package dev.happyview.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import dev.happyview.store.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads of the {@code records} table for the admin API: cursor paging by URI, one record, counts. */
final class RecordQueries {
    private final Database db;

    RecordQueries(Database db) {
        this.db = db;
    }

    record IndexedRecord(String uri, String did, String collection, String rkey, String cid,
            JsonNode record, Instant indexedAt) {}

    /** Records ordered by URI after {@code afterUri}; the (collection, uri) and (did, uri) indexes serve the filters. */
    List<IndexedRecord> page(String collection, String did, String afterUri, int limit) throws SQLException {
        var sql = new StringBuilder("SELECT uri, did, collection, rkey, cid, record::text, indexed_at FROM records WHERE true");
        var params = new ArrayList<Object>();
        if (collection != null) {
            sql.append(" AND collection = ?");
            params.add(collection);
        }
        if (did != null) {
            sql.append(" AND did = ?");
            params.add(did);
        }
        if (afterUri != null) {
            sql.append(" AND uri > ?");
            params.add(afterUri);
        }
        sql.append(" ORDER BY uri LIMIT ?");
        params.add(limit);
        try (var c = db.connection(); var st = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < params.size(); i++) st.setObject(i + 1, params.get(i));
            var out = new ArrayList<IndexedRecord>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) out.add(read(rs));
            }
            return out;
        }
    }

    Optional<IndexedRecord> find(String uri) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement(
                "SELECT uri, did, collection, rkey, cid, record::text, indexed_at FROM records WHERE uri = ?")) {
            st.setString(1, uri);
            try (var rs = st.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    Map<String, Long> countsByCollection() throws SQLException {
        try (var c = db.connection(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT collection, count(*) FROM records GROUP BY collection ORDER BY collection")) {
            var out = new LinkedHashMap<String, Long>();
            while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            return out;
        }
    }

    private static IndexedRecord read(ResultSet rs) throws SQLException {
        try {
            Timestamp ts = rs.getTimestamp(7);
            return new IndexedRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                    Json.MAPPER.readTree(rs.getString(6)), ts == null ? null : ts.toInstant());
        } catch (JsonProcessingException e) {
            throw new SQLException("stored record is not JSON", e);
        }
    }
}
