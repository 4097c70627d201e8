package dev.herald.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that moves only when a test says so. Thread-safe. */
public final class MutableClock extends Clock {
  private volatile Instant now;

  /** A clock standing at {@code start}. */
  public MutableClock(Instant start) {
    this.now = start;
  }

  /** A clock standing at an ISO-8601 instant such as {@code 2026-12-01T08:00:00Z}. */
  public static MutableClock at(String iso) {
    return new MutableClock(Instant.parse(iso));
  }

  /** Moves the clock forward (or back, for a negative duration). */
  public synchronized void advance(Duration d) {
    now = now.plus(d);
  }

  /** Sets the clock. */
  public void set(Instant instant) {
    now = instant;
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
