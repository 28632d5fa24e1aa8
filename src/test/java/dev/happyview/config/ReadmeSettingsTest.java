package dev.happyview.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keeps the README's settings table true: every setting the code reads is documented with its flag. */
class ReadmeSettingsTest {
    @Test
    void everySettingIsInTheReadmeTable() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (Setting s : Setting.values()) {
            assertThat(readme).as(s.env).contains("| `" + s.env + "` | `" + s.flag + "` |");
        }
    }

    @Test
    void flagsOverrideEnvironmentWhichOverridesDefaults() {
        var env = Map.of("PORT", "4000", "RELAY_URL", "http://relay.test");
        var cfg = Config.load(env, Map.of(Setting.PORT, "5000"));
        assertThat(cfg.getInt(Setting.PORT)).isEqualTo(5000);
        assertThat(cfg.get(Setting.RELAY_URL)).isEqualTo("http://relay.test");
        assertThat(cfg.get(Setting.PLC_URL)).isEqualTo("https://plc.directory");
    }
}
