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
import java.util.List;
import java.util.Optional;

/** Reads of the {@code records} table for the admin API: cursor paging by URI, one record. */
final class RecordQueries {
    private final Database db;

    RecordQueries(Database db) {
        this.db = db;
    }

    /** A record as the admin API shows it; {@code labels} in HappyView's shape. */
    record IndexedRecord(String uri, String did, String collection, String rkey, String cid, JsonNode record,
            Instant indexedAt, List<Label> labels) {}

    /**
     * A label on a record, as HappyView lists it: {@code src} who applied it, {@code val} the label, {@code cts} when.
     * Only the author's self-labels exist here (no labeler subscriptions); they carry no time of their own, so
     * {@code cts} is empty, as in HappyView.
     */
    record Label(String src, String val, String cts) {}

    /**
     * Records after {@code afterUri}, ordered by URI within a collection or a repo (the primary key (collection, uri)
     * and the (did, uri) index serve the filters); without a filter, by collection then URI, the primary key's order.
     */
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
        boolean byCollection = collection == null && did == null;
        if (afterUri != null) {
            if (byCollection) {
                sql.append(" AND (collection, uri) > (?, ?)");
                params.add(RecordWriter.collectionOf(afterUri));
            } else {
                sql.append(" AND uri > ?");
            }
            params.add(afterUri);
        }
        sql.append(byCollection ? " ORDER BY collection, uri LIMIT ?" : " ORDER BY uri LIMIT ?");
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
                "SELECT uri, did, collection, rkey, cid, record::text, indexed_at FROM records WHERE collection = ? AND uri = ?")) {
            st.setString(1, RecordWriter.collectionOf(uri)); // the table's key is (collection, uri)
            st.setString(2, uri);
            try (var rs = st.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    /** The author's self-labels: {@code labels.values[].val} of a record that has them. */
    private static List<Label> selfLabels(String did, JsonNode record) {
        var out = new ArrayList<Label>();
        for (JsonNode v : record.path("labels").path("values")) {
            if (v.path("val").isTextual()) out.add(new Label(did, v.get("val").asText(), ""));
        }
        return out;
    }

    private static IndexedRecord read(ResultSet rs) throws SQLException {
        try {
            Timestamp ts = rs.getTimestamp(7);
            String did = rs.getString(2);
            JsonNode record = Json.MAPPER.readTree(rs.getString(6));
            return new IndexedRecord(rs.getString(1), did, rs.getString(3), rs.getString(4), rs.getString(5), record,
                    ts == null ? null : ts.toInstant(), selfLabels(did, record));
        } catch (JsonProcessingException e) {
            throw new SQLException("stored record is not JSON", e);
        }
    }
}
