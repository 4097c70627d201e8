package dev.herald.outbox.jdbc;

import dev.herald.HeraldException;

/**
 * The outbox's database failed a call (connection refused, server restarted, statement timed out).
 * Nothing of the failed call took effect unless the message says otherwise; the engine treats it as
 * transient and tries again on its next poll.
 */
public class OutboxException extends HeraldException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message naming the operation and the cause. */
  public OutboxException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Creates the exception with a message only. */
  public OutboxException(String message) {
    super(message);
  }
}
