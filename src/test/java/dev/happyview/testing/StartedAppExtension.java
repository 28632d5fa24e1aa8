package dev.happyview.testing;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts and closes the {@link StartedApp} fields of a test class. */
final class StartedAppExtension implements BeforeAllCallback, AfterAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        for (Field f : fields(context)) f.set(null, TestApp.start());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        for (Field f : fields(context)) {
            if (f.get(null) instanceof TestApp app) app.close();
            f.set(null, null);
        }
    }

    private static List<Field> fields(ExtensionContext context) {
        var fields = Arrays.stream(context.getRequiredTestClass().getDeclaredFields())
                .filter(f -> f.isAnnotationPresent(StartedApp.class)).toList();
        for (Field f : fields) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getType() != TestApp.class) {
                throw new ExtensionConfigurationException("@StartedApp needs a static TestApp field: " + f);
            }
            f.setAccessible(true);
        }
        return fields;
    }
}
