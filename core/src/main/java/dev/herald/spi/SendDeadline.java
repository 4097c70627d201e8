package dev.herald.spi;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The latest moment a send of a claimed delivery may still be finished: the claim's lease end minus
 * a margin for recording the outcome. A send that starts later, or that could take longer than the
 * time left, risks being answered after another instance has claimed the delivery again and sent
 * it a second time, so it must not start: the transport answers {@link dev.herald.Outcome.NotSent}
 * instead, and the engine puts the delivery back at once without counting an attempt.
 *
 * <p>The engine derives the deadline when it claims; a transport checks it where the request
 * actually leaves (after any queue of its own), with {@link #refusal(Duration)}:
 *
 * <pre>{@code
 * String late = deadline.refusal(callTimeout);
 * if (late != null) {
 *   return CompletableFuture.completedFuture(new Outcome.NotSent(late));
 * }
 * }</pre>
 *
 * <p>Time is measured twice, on a {@link Clock} (the engine's, so tests with a settable clock are
 * deterministic) and on the JVM's monotonic clock; the deadline has passed when either says so, so
 * neither a wall-clock jump nor a clock that tests hold still can stretch a lease. Immutable and
 * thread-safe.
 */
public final class SendDeadline {
  private static final SendDeadline NONE = new SendDeadline(null, null, 0);

  private final Clock clock;
  private final Instant at;
  private final long nanoAt;

  private SendDeadline(Clock clock, Instant at, long nanoAt) {
    this.clock = clock;
    this.at = at;
    this.nanoAt = nanoAt;
  }

  /** No deadline: every send may start (what {@link Transport#send(dev.herald.Delivery)} implies). */
  public static SendDeadline none() {
    return NONE;
  }

  /**
   * A deadline {@code remaining} from now, on {@code clock} and on the monotonic clock.
   *
   * @throws IllegalArgumentException when {@code remaining} is negative
   */
  public static SendDeadline in(Duration remaining, Clock clock) {
    Objects.requireNonNull(remaining, "remaining");
    Objects.requireNonNull(clock, "clock");
    if (remaining.isNegative()) {
      throw new IllegalArgumentException("remaining must be >= 0: " + remaining);
    }
    return of(clock, clock.instant().plus(remaining), System.nanoTime() + saturatedNanos(remaining));
  }

  /**
   * A deadline at {@code at} on {@code clock} and at {@code nanoAt} on {@link System#nanoTime()},
   * whichever comes first. For engines, which take both readings when they claim.
   */
  public static SendDeadline of(Clock clock, Instant at, long nanoAt) {
    return new SendDeadline(Objects.requireNonNull(clock, "clock"), Objects.requireNonNull(at, "at"), nanoAt);
  }

  /** True unless this is {@link #none()}. */
  public boolean bounded() {
    return clock != null;
  }

  /** Time left, zero once passed; {@link Duration#ofSeconds(long)} of {@link Long#MAX_VALUE} for {@link #none()}. */
  public Duration remaining() {
    if (clock == null) {
      return Duration.ofSeconds(Long.MAX_VALUE);
    }
    Duration byClock = Duration.between(clock.instant(), at);
    Duration byNanos = Duration.ofNanos(nanoAt - System.nanoTime());
    Duration left = byClock.compareTo(byNanos) <= 0 ? byClock : byNanos;
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** True once no send may start any more. */
  public boolean passed() {
    return clock != null && remaining().isZero();
  }

  /**
   * Why a send that may take up to {@code longestSend} must not start now, or null when it may: the
   * deadline has passed, or less than {@code longestSend} is left. {@link Duration#ZERO} asks only
   * whether the deadline has passed.
   */
  public String refusal(Duration longestSend) {
    Objects.requireNonNull(longestSend, "longestSend");
    if (clock == null) {
      return null;
    }
    Duration left = remaining();
    if (left.isZero()) {
      return "the claim's lease ended (less its recording margin) before the send could start";
    }
    if (left.compareTo(longestSend) < 0) {
      return "the claim's lease ends in " + left.toMillis() + " ms (less its recording margin), sooner than this send may take ("
          + longestSend.toMillis() + " ms)";
    }
    return null;
  }

  @Override
  public String toString() {
    return clock == null ? "SendDeadline[none]" : "SendDeadline[" + at + ", " + remaining().toMillis() + " ms left]";
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2;
    }
  }
}
