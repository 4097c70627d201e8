package dev.herald.internal;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Parses an HTTP {@code Retry-After} (RFC 9110 §10.2.3), range-checked, for every transport: a
 * push service or token endpoint is not ours, and a year, {@code Long.MAX_VALUE} seconds or a date
 * in year 9999 must neither overflow a {@link Duration} calculation nor stop a channel for good.
 */
public final class RetryAfterHeader {
  /** The longest delay a {@code Retry-After} is read as; the engine caps it further (retry policy, channel pause). */
  public static final Duration MAX = Duration.ofDays(1);

  private RetryAfterHeader() {}

  /**
   * A replacement for a digits-only value too large for an {@code int}, or null when the value can
   * stay. OkHttp reads a 503's {@code Retry-After} with {@code Integer.valueOf} to decide on a
   * retry of its own and fails the call (and its dispatcher thread) on such a value; transports
   * put this one in its place before OkHttp looks, which {@link #parse} reads as {@link #MAX}
   * just like the original.
   */
  public static String replacementForHttpClient(String header) {
    if (header == null || header.isEmpty() || header.length() < 10 || !header.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    try {
      Integer.parseInt(header);
      return null;
    } catch (NumberFormatException e) {
      return Long.toString(MAX.getSeconds());
    }
  }

  /**
   * The delay asked for: delay-seconds or an HTTP-date, at most {@link #MAX}; a date in the past is
   * zero; null when absent or unreadable (negative, a fraction, garbage), so that the retry policy
   * decides.
   */
  public static Duration parse(String header, Instant now) {
    if (header == null) {
      return null;
    }
    String v = header.trim();
    if (v.isEmpty()) {
      return null;
    }
    if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      try {
        long seconds = Long.parseLong(v);
        return seconds >= MAX.getSeconds() ? MAX : Duration.ofSeconds(seconds);
      } catch (NumberFormatException e) {
        return MAX; // more digits than a long holds: a long wait all the same
      }
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      if (!at.isAfter(now)) {
        return Duration.ZERO;
      }
      Duration d = Duration.between(now, at);
      return d.compareTo(MAX) > 0 ? MAX : d;
    } catch (DateTimeException | ArithmeticException e) {
      return null;
    }
  }
}
