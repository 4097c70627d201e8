package dev.herald;

/**
 * Root of every exception Herald throws on purpose. Unchecked, because the callers can rarely do
 * more than report it; subclasses name what failed and carry the context to act on it.
 */
public class HeraldException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message that says what failed and what to do next. */
  public HeraldException(String message) {
    super(message);
  }

  /** Creates an exception with a message and the underlying cause. */
  public HeraldException(String message, Throwable cause) {
    super(message, cause);
  }
}
