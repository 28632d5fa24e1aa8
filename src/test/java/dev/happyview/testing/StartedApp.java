package dev.happyview.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * On a static {@link TestApp} field: a service on a fresh database, started before the class's {@code @BeforeAll}
 * methods run and closed after its tests.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(StartedAppExtension.class)
public @interface StartedApp {}
