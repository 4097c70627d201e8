package dev.herald.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts the lines written to {@code System.err}, where the tests' logging binding (slf4j-simple)
 * writes, while passing them on. For asserting that a failure is logged, and at a bounded rate.
 * Not for parallel tests: it replaces {@code System.err} until closed.
 */
public final class LogCapture implements AutoCloseable {
  private final PrintStream original = System.err;
  private final List<Line> lines = new ArrayList<>();

  /** One line and when it was written ({@link System#nanoTime()}). */
  public record Line(long nanos, String text) {}

  public LogCapture() {
    OutputStream tee = new OutputStream() {
      private final ByteArrayOutputStream current = new ByteArrayOutputStream();

      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      // Whole buffers at once: a byte at a time into the test runner's stream would slow every
      // logging thread down, and with it what a test measures.
      @Override
      public synchronized void write(byte[] b, int off, int len) {
        original.write(b, off, len);
        int start = off;
        for (int i = off; i < off + len; i++) {
          if (b[i] == '\n') {
            current.write(b, start, i - start);
            synchronized (lines) {
              lines.add(new Line(System.nanoTime(), current.toString(StandardCharsets.UTF_8)));
            }
            current.reset();
            start = i + 1;
          }
        }
        current.write(b, start, off + len - start);
      }
    };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
  }

  /** Every line so far. */
  public List<Line> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /** Lines containing {@code text}. */
  public List<String> containing(String text) {
    return lines().stream().map(Line::text).filter(l -> l.contains(text)).toList();
  }

  /** Log lines (those of the slf4j-simple format, {@code [thread] LEVEL logger - message}) so far. */
  public long logLines() {
    return lines().stream().filter(l -> l.text().matches("^\\[[^\\]]*\\] (TRACE|DEBUG|INFO|WARN|ERROR) .*")).count();
  }

  /** The most log lines written within any one second. */
  public long peakLogLinesPerSecond() {
    return peakPerSecond(lines().stream().filter(l -> l.text().matches("^\\[[^\\]]*\\] (TRACE|DEBUG|INFO|WARN|ERROR) .*"))
        .map(Line::nanos).toList());
  }

  /** The most lines of any kind (stack traces included) written within any one second. */
  public long peakLinesPerSecond() {
    return peakPerSecond(lines().stream().map(Line::nanos).toList());
  }

  private static long peakPerSecond(List<Long> t) {
    long peak = 0;
    int start = 0;
    for (int end = 0; end < t.size(); end++) {
      while (t.get(end) - t.get(start) >= 1_000_000_000L) {
        start++;
      }
      peak = Math.max(peak, end - start + 1);
    }
    return peak;
  }

  @Override
  public void close() {
    System.err.flush();
    System.setErr(original);
  }
}
