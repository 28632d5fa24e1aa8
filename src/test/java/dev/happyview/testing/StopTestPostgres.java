package dev.happyview.testing;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Stops the test JVM's Postgres when the JUnit session ends, while the JVM is still fully alive: a shutdown hook alone
 * may be cut short when the build tool ends its test fork, which used to leave Postgres processes and their data behind.
 */
public final class StopTestPostgres implements LauncherSessionListener {
    @Override
    public void launcherSessionClosed(LauncherSession session) {
        TestPostgres.stop();
    }
}
