package dev.happyview.testing;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What a test needs from the machine besides the JDK (a browser, Node). On CI ({@code CI=true}, which {@code .ci/run}
 * sets) a missing prerequisite fails the test, so CI cannot go green by not running it; elsewhere the test is skipped
 * and says so in one line on the console.
 */
public final class Prerequisites {
    /**
     * The process's own stderr. Surefire sends {@code System.out}/{@code System.err} of tests to report files
     * ({@code redirectTestOutputToFile}); what is written to the file descriptor itself reaches the console.
     */
    private static final PrintStream CONSOLE =
            new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    private Prerequisites() {}

    public static boolean onCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Reports a prerequisite that is missing: on CI throws an {@link AssertionError}; otherwise prints one line on the
     * console and returns it as the reason to skip with.
     */
    public static String missing(String test, String what, String remedy) {
        if (onCi()) throw new AssertionError(test + " cannot run on CI: " + what + ". " + remedy);
        String line = "SKIPPED " + test + ": " + what + ". " + remedy + " (with CI=true this fails the build)";
        CONSOLE.println(line);
        return line;
    }
}
