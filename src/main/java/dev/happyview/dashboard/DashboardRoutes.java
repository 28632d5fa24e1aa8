package dev.happyview.dashboard;

import dev.happyview.api.ErrorBody;
import dev.happyview.api.Routes;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The admin dashboard ({@code /dashboard}: static files from {@code resources/dashboard}, no build step) and the API
 * description ({@code /openapi.yaml}). Both are public: the dashboard signs in with an API key in the browser.
 */
public final class DashboardRoutes implements Routes.Module {
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8");

    @Override
    public void register(Routes routes) {
        var r = routes.publicRoutes();
        // Trailing slashes are ignored, so this is also /dashboard/; the page links its assets by absolute path.
        r.get("/dashboard", ctx -> serve(ctx, "/dashboard/index.html", FILES.get("index.html")));
        r.get("/dashboard/{file}", ctx -> {
            String file = ctx.pathParam("file");
            String type = FILES.get(file);
            if (type == null) {
                ctx.status(404).json(new ErrorBody("NotFound", "no dashboard file " + file));
                return;
            }
            serve(ctx, "/dashboard/" + file, type);
        });
        r.get("/openapi.yaml", ctx -> serve(ctx, "/openapi.yaml", "application/yaml; charset=utf-8"));
    }

    private static void serve(Context ctx, String resource, String type) throws IOException {
        try (InputStream in = DashboardRoutes.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource);
            ctx.header("Cache-Control", "no-cache")
                    .header("X-Content-Type-Options", "nosniff")
                    .header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'")
                    .contentType(type)
                    .result(in.readAllBytes());
        }
    }
}
