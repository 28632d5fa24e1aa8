package dev.happyview.api;

import dev.happyview.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Requests Jetty refuses before any route sees them (a request line it cannot parse, such as a path holding an
 * encoded NUL; a path that is not UTF-8), answered in the API's JSON error format. Jetty closes the connection after
 * a request it could not parse, so the answer says {@code Connection: close}: a client that reused the connection
 * would otherwise see its next request fail with no response at all.
 */
final class JettyErrors extends ErrorHandler {
    /** Every method gets the body (Jetty's default gives one only to GET, POST and HEAD). */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) throws IOException {
        String text = message == null || message.isBlank() ? HttpStatus.getMessage(code) : message;
        Throwable root = cause;
        while (root != null && root.getCause() != null) root = root.getCause();
        if (root != null && root != cause && root.getMessage() != null) text += ": " + root.getMessage();
        byte[] body = Json.MAPPER.writeValueAsBytes(new ErrorBody(HttpApi.errorName(code), text));
        if (request.getConnectionMetaData().getHttpVersion().getVersion() <= HttpVersion.HTTP_1_1.getVersion()) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
