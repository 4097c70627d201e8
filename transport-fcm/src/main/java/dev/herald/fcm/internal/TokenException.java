package dev.herald.fcm.internal;

import dev.herald.HeraldException;
import java.time.Duration;

/**
 * The OAuth2 token endpoint did not give an access token. The transport turns it into
 * {@link dev.herald.Outcome.ChannelUnavailable}: the sender's credentials or Google's endpoint are
 * the problem, not the message.
 */
public final class TokenException extends HeraldException {
  private static final long serialVersionUID = 1L;

  private final String rawCode;
  private final transient Duration retryAfter;

  /**
   * Creates the exception.
   *
   * @param rawCode the OAuth2 {@code error} code, the HTTP status, or {@code "io"}
   * @param reason what failed, without any secret
   * @param retryAfter the endpoint's {@code Retry-After}, or null
   */
  public TokenException(String rawCode, String reason, Duration retryAfter, Throwable cause) {
    super(reason, cause);
    this.rawCode = rawCode;
    this.retryAfter = retryAfter;
  }

  /** The OAuth2 error code, the HTTP status or {@code "io"}. */
  public String rawCode() {
    return rawCode;
  }

  /** The endpoint's {@code Retry-After}, or null. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
