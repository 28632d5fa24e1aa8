package dev.happyview.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JdbcUrlsTest {
    @Test
    void postgresUrlsBecomeJdbcUrlsWithCredentialsAsParameters() {
        assertThat(JdbcUrls.toJdbc("postgres://happy:p%40ss@db.internal:6543/happyview?sslmode=require"))
                .isEqualTo("jdbc:postgresql://db.internal:6543/happyview?sslmode=require&user=happy&password=p%40ss");
        assertThat(JdbcUrls.toJdbc("postgresql://localhost/app")).isEqualTo("jdbc:postgresql://localhost/app");
        assertThat(JdbcUrls.toJdbc("jdbc:postgresql://h/db?user=x")).isEqualTo("jdbc:postgresql://h/db?user=x");
    }

    @Test
    void otherSchemesAreRefusedWithAClearMessage() {
        assertThatThrownBy(() -> JdbcUrls.toJdbc("sqlite://data/happyview.db")).hasMessageContaining("DATABASE_URL");
    }
}
