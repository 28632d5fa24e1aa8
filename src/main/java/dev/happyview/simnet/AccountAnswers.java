package dev.happyview.simnet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The account answers relay and PDS share: {@code getRepoStatus} and {@code listRepos}. */
final class AccountAnswers {
    private AccountAnswers() {}

    static boolean isFault(SimRepo r, Faults.Kind k) {
        return r.fault != null && r.fault.kind() == k;
    }

    /** {@code getRepoStatus}: a takendown or deactivated account is inactive, with its status. */
    static ObjectNode status(SimRepo r) {
        ObjectNode o = Replies.JSON.createObjectNode().put("did", r.did);
        Faults.Kind k = r.fault == null ? null : r.fault.kind();
        if (r.deleted) {
            o.put("active", false).put("status", "deleted");
        } else if (k == Faults.Kind.TAKENDOWN || k == Faults.Kind.DEACTIVATED) {
            o.put("active", false).put("status", k == Faults.Kind.TAKENDOWN ? "takendown" : "deactivated");
        } else {
            o.put("active", true).put("rev", r.rev());
        }
        return o;
    }

    /** {@code listRepos} over {@code candidates} (in index order); the cursor is the last index served. */
    static SimHost.Response listRepos(SimHost.Request req, List<SimRepo> candidates, String badRequest) {
        int limit;
        int after;
        try {
            limit = req.param("limit") == null ? 500 : Integer.parseInt(req.param("limit"));
            after = req.param("cursor") == null || req.param("cursor").isEmpty() ? -1 : Integer.parseInt(req.param("cursor"));
        } catch (NumberFormatException e) {
            return Replies.xrpcError(400, badRequest, "invalid limit or cursor");
        }
        if (limit < 1 || limit > 1000) {
            return Replies.xrpcError(400, badRequest, "limit must be between 1 and 1000");
        }
        ObjectNode out = Replies.JSON.createObjectNode();
        ArrayNode arr = out.putArray("repos");
        int last = -1;
        int count = 0;
        for (SimRepo r : candidates) {
            if (r.index <= after) {
                continue;
            }
            if (count == limit) {
                break;
            }
            ObjectNode o = arr.addObject().put("did", r.did).put("head", r.car().commitCid().toString()).put("rev", r.rev());
            ObjectNode st = status(r);
            o.set("active", st.get("active"));
            if (st.has("status")) {
                o.set("status", st.get("status"));
            }
            last = r.index;
            count++;
        }
        if (count == limit) {
            out.put("cursor", String.valueOf(last));
        }
        return Replies.json(out);
    }
}
