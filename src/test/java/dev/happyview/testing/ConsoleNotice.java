package dev.happyview.testing;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One line for the person running the build, on the process's own standard error: the build tool sends
 * {@code System.out} and {@code System.err} of tests to report files, where a skip would go unnoticed.
 */
public final class ConsoleNotice {
    private static final PrintStream CONSOLE =
            new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    private ConsoleNotice() {}

    /** Says that a test was skipped and why. */
    public static void skipped(String why) {
        String test = StackWalker.getInstance().walk(frames -> frames
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1))
                .filter(name -> name.endsWith("Test")).findFirst().orElse("a test"));
        CONSOLE.println("SKIPPED " + test + ": " + why);
    }
}
