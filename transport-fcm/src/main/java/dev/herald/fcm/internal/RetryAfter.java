package dev.herald.fcm.internal;

import dev.herald.internal.RetryAfterHeader;
import java.time.Duration;
import java.time.Instant;

/** Parses {@code Retry-After} (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; see {@link RetryAfterHeader}. */
public final class RetryAfter {
  private RetryAfter() {}

  /**
   * The delay the header asks for, at most {@link RetryAfterHeader#MAX}, or null when it is absent
   * or unreadable; never negative.
   */
  public static Duration parse(String header, Instant now) {
    return RetryAfterHeader.parse(header, now);
  }
}
