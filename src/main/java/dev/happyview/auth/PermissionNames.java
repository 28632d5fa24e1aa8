package dev.happyview.auth;

import dev.happyview.api.ApiException;
import dev.happyview.api.Caller;
import dev.happyview.api.Permission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The permission names a key may be created with. HappyView names its permissions as this service does; its names for
 * features this service does not have (users, event log, labelers, plugins, …) are accepted and kept on the key so
 * HappyView's scripts work unchanged, but they grant nothing here. Any other name is refused.
 */
final class PermissionNames {
    /** HappyView's permissions (src/admin/permissions.rs) that have no route here. */
    static final List<String> HAPPYVIEW_ONLY = List.of("script-variables:create", "script-variables:read",
            "script-variables:delete", "users:create", "users:read", "users:update", "users:delete", "events:read",
            "labelers:create", "labelers:read", "labelers:delete", "settings:manage", "plugins:read", "plugins:create",
            "plugins:delete", "api-clients:view", "api-clients:create", "api-clients:edit", "api-clients:delete",
            "dead-letters:read", "dead-letters:manage", "spaces:create", "spaces:read", "spaces:update", "spaces:delete",
            "spaces:manage-members", "spaces:manage-invites", "spaces:manage-records", "spaces:manage-credentials");

    private PermissionNames() {}

    /**
     * The names in the order given, without repeats. An unknown name is a 400 that lists the valid ones; a permission
     * of this service the caller does not hold is a 403 (a key hands out only what its creator holds).
     */
    static List<String> grantable(Caller caller, List<String> names) {
        var out = new LinkedHashSet<String>();
        for (String name : names) {
            String n = name == null ? "" : name.strip();
            var own = Permission.fromWire(n);
            if (own.isPresent()) {
                if (!caller.allows(own.get())) throw ApiException.forbidden(own.get().wire);
            } else if (!HAPPYVIEW_ONLY.contains(n)) {
                throw ApiException.badRequest("field 'permissions': unknown permission '" + name + "'; valid: "
                        + String.join(", ", ownNames()) + " (also accepted, granting nothing here: "
                        + String.join(", ", HAPPYVIEW_ONLY) + ")");
            }
            out.add(n);
        }
        return new ArrayList<>(out);
    }

    /** Every permission of this service, as wire names: the bootstrap key's list. */
    static List<String> ownNames() {
        return Arrays.stream(Permission.values()).map(p -> p.wire).toList();
    }
}
