package dev.herald.testing.webpush;

/** A Web Push body that does not decrypt: not encrypted for this subscriber, altered, or malformed (RFC 8188, RFC 8291). */
public final class DecryptionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception saying what failed. */
  public DecryptionException(String message) {
    super(message);
  }

  /** An exception saying what failed, with the JDK's reason. */
  public DecryptionException(String message, Throwable cause) {
    super(message, cause);
  }
}
