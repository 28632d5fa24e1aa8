package dev.happyview.config;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * The service's settings after environment variables, CLI flags and defaults are merged (flag wins over variable,
 * variable over default). Typed accessors parse on demand and fail with a message naming the setting.
 */
public final class Config {
    private final Map<Setting, String> values;

    private Config(Map<Setting, String> values) {
        this.values = values;
    }

    public static Config load(Map<String, String> env, Map<Setting, String> overrides) {
        var values = new EnumMap<Setting, String>(Setting.class);
        for (Setting s : Setting.values()) {
            String v = overrides.get(s);
            if (v == null) v = env.get(s.env);
            if (v == null) v = s.defaultValue;
            values.put(s, v.trim());
        }
        return new Config(values);
    }

    public static Config defaults() {
        return load(Map.of(), Map.of());
    }

    /** A copy with some settings replaced; used by tests and embedded tools. */
    public Config with(Setting setting, String value) {
        var copy = new EnumMap<>(values);
        copy.put(setting, value);
        return new Config(copy);
    }

    public String get(Setting s) {
        return values.get(s);
    }

    public int getInt(Setting s) {
        try {
            return Integer.parseInt(get(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(s.env + " must be an integer, got '" + get(s) + "'");
        }
    }

    public long getLong(Setting s) {
        try {
            return Long.parseLong(get(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(s.env + " must be an integer, got '" + get(s) + "'");
        }
    }

    public double getDouble(Setting s) {
        try {
            return Double.parseDouble(get(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(s.env + " must be a number, got '" + get(s) + "'");
        }
    }

    public boolean getBool(Setting s) {
        return switch (get(s).toLowerCase()) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off", "" -> false;
            default -> throw new IllegalArgumentException(s.env + " must be true or false, got '" + get(s) + "'");
        };
    }

    public Path dataDir() {
        return Path.of(get(Setting.DATA_DIR)).toAbsolutePath().normalize();
    }

    public boolean embeddedDatabase() {
        return get(Setting.DATABASE_URL).isEmpty();
    }
}
