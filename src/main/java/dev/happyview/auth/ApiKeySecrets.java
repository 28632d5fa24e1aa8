package dev.happyview.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Generates raw keys ({@code hv_} + 32 hex) and hashes them; the raw key is shown once and never stored. */
public final class ApiKeySecrets {
    private static final Pattern FORMAT = Pattern.compile("hv_[0-9a-f]{32}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeySecrets() {}

    public static String generate() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return "hv_" + HexFormat.of().formatHex(bytes);
    }

    public static boolean isWellFormed(String key) {
        return key != null && FORMAT.matcher(key).matches();
    }

    public static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first 11 characters ({@code hv_} + 8 hex), enough to recognise a key in a list. */
    public static String prefix(String key) {
        return key.substring(0, 11);
    }
}
