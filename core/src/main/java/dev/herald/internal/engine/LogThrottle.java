package dev.herald.internal.engine;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Keeps repeated failures from flooding the log: the first occurrence of a kind of failure is
 * logged in full, later identical ones at most once per interval as a count, and all kinds
 * together never more than a fixed number of lines per interval. A database that is down for an
 * hour therefore costs a few lines a minute, not tens of thousands a second.
 *
 * <p>Thread-safe.
 */
public final class LogThrottle {
  /** What to log for one occurrence. */
  public enum Verdict {
    /** The first of its kind (in a while): log it in full, with the stack trace. */
    FIRST,
    /** A repeat whose interval has passed: log one line with {@link #suppressed} repeats. */
    SUMMARY,
    /** Say nothing; it is counted. */
    QUIET
  }

  /**
   * The decision for one occurrence.
   *
   * @param verdict what to log
   * @param suppressed for a summary, how many identical occurrences were not logged since the last line
   */
  public record Decision(Verdict verdict, long suppressed) {
    /** True unless {@link Verdict#QUIET}. */
    public boolean log() {
      return verdict != Verdict.QUIET;
    }
  }

  private static final int MAX_KINDS = 64;

  private final long intervalNanos;
  private final int maxLinesPerInterval;
  private final LongSupplier nanoTime;
  private final Map<String, long[]> kinds = new LinkedHashMap<>(16, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
      return size() > MAX_KINDS;
    }
  };
  private long windowStart;
  private int linesInWindow;

  /** At most one line per kind and {@code maxLinesPerInterval} lines in all per {@code interval}. */
  public LogThrottle(Duration interval, int maxLinesPerInterval) {
    this(interval, maxLinesPerInterval, System::nanoTime);
  }

  /** The same on another time source, for tests. */
  public LogThrottle(Duration interval, int maxLinesPerInterval, LongSupplier nanoTime) {
    this.intervalNanos = interval.toNanos();
    this.maxLinesPerInterval = maxLinesPerInterval;
    this.nanoTime = nanoTime;
    this.windowStart = nanoTime.getAsLong();
  }

  /** The kind of a throwable: its class and its message's start, so that identical failures share one. */
  public static String kindOf(String what, Throwable t) {
    if (t == null) {
      return what;
    }
    String m = t.getMessage();
    return what + "|" + t.getClass().getName() + "|" + (m == null ? "" : m.length() > 120 ? m.substring(0, 120) : m);
  }

  /** Decides about one occurrence of {@code kind}. */
  public synchronized Decision admit(String kind) {
    long now = nanoTime.getAsLong();
    if (now - windowStart >= intervalNanos) {
      windowStart = now;
      linesInWindow = 0;
    }
    // state: [0] time of the last logged line, [1] occurrences not logged since
    long[] state = kinds.get(kind);
    Verdict v;
    if (state == null) {
      state = new long[] {now, 0};
      kinds.put(kind, state);
      v = Verdict.FIRST;
    } else if (now - state[0] >= intervalNanos) {
      v = state[1] == 0 ? Verdict.FIRST : Verdict.SUMMARY;
    } else {
      state[1]++;
      return new Decision(Verdict.QUIET, 0);
    }
    if (linesInWindow >= maxLinesPerInterval) {
      state[1]++;
      return new Decision(Verdict.QUIET, 0);
    }
    linesInWindow++;
    long suppressed = state[1];
    state[0] = now;
    state[1] = 0;
    return new Decision(v, suppressed);
  }
}
