package dev.happyview.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.happyview.Json;
import dev.happyview.store.Database;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: Javalin on a pool of platform threads, JSON errors for every failure, routes from the feature
 * modules. Not on virtual threads: a backfill keeps hundreds of virtual threads runnable on as many carriers as there
 * are cores, and a request queued behind them waited hundreds of milliseconds; the operating system schedules a
 * platform thread that wakes up within a few (docs/decisions.md).
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private final Javalin app;

    private HttpApi(Javalin app) {
        this.app = app;
    }

    public static HttpApi start(String host, int port, long maxRequestBytes, Authenticator authenticator, List<Routes.Module> modules) {
        Javalin app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = false;
            cfg.startup.startupWatcherEnabled = false;
            cfg.startup.showJavalinBanner = false;
            cfg.http.maxRequestSize = maxRequestBytes;
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JettyErrors()));
            cfg.jsonMapper(new JavalinJackson(Json.MAPPER, true));
            var routes = new Routes(cfg.routes, authenticator);
            modules.forEach(m -> m.register(routes));
            cfg.routes.exception(ApiException.class, (e, ctx) ->
                    ctx.status(e.status()).json(new ErrorBody(e.error(), e.getMessage())));
            cfg.routes.exception(JsonProcessingException.class, (e, ctx) ->
                    ctx.status(400).json(new ErrorBody("InvalidRequest", "malformed JSON: " + e.getOriginalMessage())));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) ->
                    ctx.status(e.getStatus()).json(new ErrorBody(errorName(e.getStatus()), e.getMessage())));
            cfg.routes.exception(SQLTransientConnectionException.class, (e, ctx) -> databaseUnavailable(ctx, e));
            cfg.routes.exception(SQLException.class, (e, ctx) -> {
                if (Database.isUnavailable(e)) {
                    databaseUnavailable(ctx, e);
                    return;
                }
                log.error("database error on {}", describe(ctx), e);
                ctx.status(503).json(new ErrorBody("ServiceUnavailable", "database error"));
            });
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                log.error("unexpected error on {}", describe(ctx), e);
                ctx.status(500).json(new ErrorBody("InternalServerError", "unexpected error"));
            });
            cfg.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty()) {
                    ctx.json(new ErrorBody("NotFound", "no route " + ctx.method() + " " + ctx.path()));
                }
            });
            cfg.routes.error(405, ctx -> ctx.json(new ErrorBody("MethodNotAllowed", "method not allowed")));
        });
        app.start(host, port);
        return new HttpApi(app);
    }

    /** 503 saying so, without a stack trace in the log: an outage is reported by /health and the backfill engine. */
    private static void databaseUnavailable(Context ctx, Exception e) {
        var unavailable = ApiException.databaseUnavailable(e);
        ctx.status(unavailable.status()).json(new ErrorBody(unavailable.error(), unavailable.getMessage()));
    }

    /** The request for a log line; a request already recycled (a stream closed at shutdown) has no path left. */
    private static String describe(Context ctx) {
        try {
            return ctx.method() + " " + ctx.path();
        } catch (RuntimeException e) {
            return "a finished request";
        }
    }

    static String errorName(int status) {
        return switch (status) {
            case 400 -> "InvalidRequest";
            case 401 -> "AuthRequired";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 413 -> "PayloadTooLarge";
            case 415 -> "UnsupportedMediaType";
            case 503 -> "ServiceUnavailable";
            default -> "Error";
        };
    }

    public int port() {
        return app.port();
    }

    /** Every registered HTTP route as {@code "METHOD /path"}; the API description is checked against this list. */
    public List<String> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .map(r -> r.endpoint.method.name() + " " + r.endpoint.path)
                .toList();
    }

    @Override
    public void close() {
        app.stop();
    }
}
