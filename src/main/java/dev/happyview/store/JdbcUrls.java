package dev.happyview.store;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Turns the {@code DATABASE_URL} forms people use ({@code postgres://user:pass@host/db}) into JDBC URLs. */
public final class JdbcUrls {
    private JdbcUrls() {}

    /** A JDBC URL with user and password as query parameters. */
    public static String toJdbc(String url) {
        if (url.startsWith("jdbc:postgresql:")) return url;
        if (!url.startsWith("postgres://") && !url.startsWith("postgresql://")) {
            throw new IllegalArgumentException("DATABASE_URL must start with postgres://, postgresql:// or jdbc:postgresql:");
        }
        URI uri = URI.create(url);
        var jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
        if (uri.getPort() > 0) jdbc.append(':').append(uri.getPort());
        jdbc.append(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/postgres" : uri.getRawPath());
        var params = new StringBuilder(uri.getRawQuery() == null ? "" : uri.getRawQuery());
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
            appendParam(params, "user", decode(user));
            if (colon >= 0) appendParam(params, "password", decode(userInfo.substring(colon + 1)));
        }
        if (!params.isEmpty()) jdbc.append('?').append(params);
        return jdbc.toString();
    }

    private static void appendParam(StringBuilder params, String name, String value) {
        if (!params.isEmpty()) params.append('&');
        params.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
