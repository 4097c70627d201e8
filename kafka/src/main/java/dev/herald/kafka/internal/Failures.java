package dev.herald.kafka.internal;

import dev.herald.InvalidInputException;
import java.sql.SQLException;

/** Tells a failure of the database (wait and retry the batch) from a record the outbox refuses. */
final class Failures {
  private Failures() {}

  /**
   * Whether {@code e}, thrown while applying actions, is the record's fault: the outbox refused the
   * input ({@link InvalidInputException}, {@link IllegalArgumentException}), or the database
   * answered with a data exception (SQLState class 22) or an integrity violation (23). Anything
   * else, including failures nobody can classify, counts as the database's: the batch waits and is
   * retried, which can delay but never skip a record.
   */
  static boolean recordsFault(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InvalidInputException || t instanceof IllegalArgumentException) {
        return true;
      }
      if (t instanceof SQLException s) {
        String state = s.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
      }
    }
    return false;
  }

  /** A one-line description: class and message, clipped. */
  static String describe(Throwable e) {
    String m = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    return m.length() > 1_000 ? m.substring(0, 999) + "…" : m;
  }
}
