package dev.happyview.simnet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Identity: the PLC directory ({@code GET /<did>}) and each did:web host ({@code /.well-known/did.json}), both serving
 * DID documents that name the repo's PDS — or, for a wrong-pds repo, the stale PDS.
 */
final class IdentityServer {
    private final RepoRegistry registry;
    private final IntFunction<String> pdsUrl;
    private final Supplier<String> stalePdsUrl;

    /** {@code pdsUrl}: the URL of PDS host i; {@code stalePdsUrl}: the host wrong-pds documents name. */
    IdentityServer(RepoRegistry registry, IntFunction<String> pdsUrl, Supplier<String> stalePdsUrl) {
        this.registry = registry;
        this.pdsUrl = pdsUrl;
        this.stalePdsUrl = stalePdsUrl;
    }

    /** The PLC directory. */
    SimHost.Response plc(SimHost.Request req) {
        String did = URLDecoder.decode(req.path().substring(1), StandardCharsets.UTF_8);
        SimRepo r = registry.find(did);
        if (r == null || r.web) {
            return Replies.plcError(404, "DID not registered: " + did);
        }
        return didDocResponse(r);
    }

    /** The did:web host of repo {@code index}. */
    SimHost.Response didWeb(int index, SimHost.Request req) {
        if (!req.path().equals("/.well-known/did.json") || index >= registry.size()) {
            return SimHost.Response.of(404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
        }
        return didDocResponse(registry.at(index));
    }

    private SimHost.Response didDocResponse(SimRepo r) {
        Faults.Kind k = r.fault == null ? null : r.fault.kind();
        if (k == Faults.Kind.DID_404) {
            return Replies.plcError(404, "DID not registered: " + r.did);
        }
        if (k == Faults.Kind.DID_410) {
            return Replies.plcError(410, "DID not available: " + r.did);
        }
        return SimHost.Response.of(200, "application/did+ld+json", Replies.bytes(didDoc(r)));
    }

    ObjectNode didDoc(SimRepo r) {
        ObjectNode doc = Replies.JSON.createObjectNode();
        doc.putArray("@context").add("https://www.w3.org/ns/did/v1").add("https://w3id.org/security/multikey/v1")
                .add("https://w3id.org/security/suites/secp256k1-2019/v1");
        doc.put("id", r.did);
        doc.putArray("alsoKnownAs").add("at://" + r.handle);
        doc.putArray("verificationMethod").addObject().put("id", r.did + "#atproto").put("type", "Multikey")
                .put("controller", r.did).put("publicKeyMultibase", r.key.multikey());
        String endpoint = AccountAnswers.isFault(r, Faults.Kind.WRONG_PDS) ? stalePdsUrl.get() : pdsUrl.apply(r.home);
        doc.putArray("service").addObject().put("id", "#atproto_pds").put("type", "AtprotoPersonalDataServer")
                .put("serviceEndpoint", endpoint);
        return doc;
    }
}
