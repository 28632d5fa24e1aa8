package dev.happyview.lexicon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.Json;
import dev.happyview.api.ApiException;
import dev.happyview.protocol.syntax.Nsid;
import dev.happyview.store.Database;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploading, listing and deleting lexicons. An upload that makes a collection a backfill target — a new record
 * lexicon with {@code backfill: true}, or one that was not a record lexicon with backfill on before — tells the
 * listeners, which start a backfill job for it. Re-uploading a lexicon that already was a target starts nothing
 * (run {@code POST /admin/backfill} to re-run one).
 */
public final class LexiconService {
    private static final Logger log = LoggerFactory.getLogger(LexiconService.class);

    private final Database db;
    private final LexiconStore store;
    private final LexiconRegistry registry;
    private final List<LexiconListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> collectionListeners = new CopyOnWriteArrayList<>();

    public LexiconService(Database db, LexiconRegistry registry) throws SQLException {
        this.db = db;
        this.store = new LexiconStore(db);
        this.registry = registry;
        registry.replaceAll(store.list());
    }

    public void addListener(LexiconListener listener) {
        listeners.add(listener);
    }

    /**
     * Told after every upload or delete, before the backfill listeners: the live source subscribes to the record
     * collections, so a new one is indexed live from this moment.
     */
    public void addCollectionsListener(Runnable listener) {
        collectionListeners.add(listener);
    }

    /** An upload: HappyView's body, every field but {@code lexicon_json} optional. */
    public record Upload(JsonNode lexiconJson, Boolean backfill, String targetCollection, String action, String script,
            String indexHook, Integer tokenCost) {}

    /** HappyView's procedure actions; {@code upsert}, its default, is stored as no action. */
    private static final Set<String> ACTIONS = Set.of("create", "update", "delete", "upsert");

    public record Uploaded(String id, int revision, boolean created) {}

    public Uploaded upload(Upload req) throws SQLException {
        String type;
        try {
            type = LexiconValidator.validate(req.lexiconJson());
        } catch (LexiconValidator.InvalidLexicon e) {
            throw ApiException.badRequest(e.getMessage());
        }
        String target = req.targetCollection() == null || req.targetCollection().isBlank() ? null : req.targetCollection().strip();
        if (target != null && !Nsid.isValid(target)) {
            throw ApiException.badRequest("field 'target_collection' must be a valid NSID");
        }
        String action = req.action() == null ? null : req.action().strip();
        if (action != null && !ACTIONS.contains(action)) {
            throw ApiException.badRequest("field 'action' must be one of create, update, delete, upsert");
        }
        if ("upsert".equals(action)) action = null;
        if (req.tokenCost() != null && req.tokenCost() < 0) {
            throw ApiException.badRequest("field 'token_cost' must be a whole number of 0 or more");
        }
        boolean backfill = req.backfill() == null || req.backfill();
        String id = req.lexiconJson().get("id").asText();
        var lexicon = new Lexicon(id, type, backfill, target, action, req.script(), req.indexHook(), req.tokenCost(), 0,
                req.lexiconJson(), null, null);
        int revision;
        boolean wasEligible;
        try (var c = db.connection()) {
            c.setAutoCommit(false);
            try {
                Optional<Lexicon> before = store.find(c, id, true);
                wasEligible = before.map(Lexicon::isBackfillEligible).orElse(false);
                revision = store.upsert(c, lexicon, Json.MAPPER.writeValueAsString(req.lexiconJson()));
                c.commit();
            } catch (SQLException | RuntimeException | JsonProcessingException e) {
                c.rollback();
                if (e instanceof SQLException s) throw s;
                if (e instanceof RuntimeException r) throw r;
                throw new IllegalStateException(e);
            }
        }
        Lexicon stored = store.find(id).orElseThrow();
        registry.put(stored);
        notifyCollectionsChanged();
        if (stored.isBackfillEligible() && !wasEligible) notifyEligible(id);
        return new Uploaded(id, revision, revision == 1);
    }

    private void notifyCollectionsChanged() {
        for (Runnable l : collectionListeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                log.warn("telling the live source about changed collections failed: {}", e.toString());
            }
        }
    }

    private void notifyEligible(String collection) {
        for (LexiconListener l : listeners) {
            try {
                l.onBecameBackfillEligible(collection);
            } catch (Exception e) {
                log.warn("starting a backfill for {} failed: {}", collection, e.toString());
            }
        }
    }

    /** Every lexicon in HappyView's list shape, without documents. */
    public List<LexiconView> list() throws SQLException {
        return store.list().stream().map(LexiconView::of).toList();
    }

    /** One lexicon with its document and scripts. */
    public Optional<ObjectNode> get(String id) throws SQLException {
        return store.find(id).map(LexiconView::detail);
    }

    public boolean delete(String id) throws SQLException {
        boolean deleted = store.delete(id);
        if (deleted) {
            registry.remove(id);
            notifyCollectionsChanged();
        }
        return deleted;
    }
}
