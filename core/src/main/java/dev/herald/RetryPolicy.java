package dev.herald;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * When to try a failed delivery again: exponential backoff with full jitter, bounded by a number of
 * attempts and by the notification's age. A provider's {@code Retry-After} wins when it is longer,
 * up to {@code maxDelay}: one answer from a push service cannot hold a message for longer than the
 * policy's longest wait.
 *
 * <p>A pure function of persisted state (attempt number, age, the provider's delay) plus an injected
 * random source: nothing is retried in memory, every retry goes back through the outbox.
 * Immutable and thread-safe when the random source is.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.builder()
 *     .initialDelay(Duration.ofSeconds(2))
 *     .maxAttempts(10)
 *     .maxAge(Duration.ofHours(6))
 *     .build();
 * }</pre>
 */
public final class RetryPolicy {
  /** Longest {@code initialDelay} and {@code maxDelay} accepted: one day. */
  public static final Duration MAX_DELAY = Duration.ofDays(1);
  /** Longest {@code maxAge} accepted: 365 days. */
  public static final Duration MAX_AGE = Duration.ofDays(365);

  private final Duration initialDelay;
  private final Duration maxDelay;
  private final double multiplier;
  private final int maxAttempts;
  private final Duration maxAge;
  private final RandomGenerator random;

  private RetryPolicy(Builder b) {
    this.initialDelay = b.initialDelay;
    this.maxDelay = b.maxDelay;
    this.multiplier = b.multiplier;
    this.maxAttempts = b.maxAttempts;
    this.maxAge = b.maxAge;
    this.random = b.random;
  }

  /** The defaults: 1 s initial delay, doubling, capped at 10 min, 12 attempts, 24 h max age. */
  public static RetryPolicy defaults() {
    return builder().build();
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The delay before the next attempt, or empty when the delivery should be given up (dead).
   *
   * @param failedAttempt the attempt that just failed, counted from 1
   * @param age how long ago the notification was enqueued (database clock)
   * @param retryAfter the provider's {@code Retry-After}, or null
   * @return the delay: uniformly random in [0, min(maxDelay, initialDelay × multiplier^(attempt-1))],
   *     then raised to {@code retryAfter} but never beyond {@code maxDelay}; empty if
   *     {@code failedAttempt >= maxAttempts} or if waiting would take the notification past {@code maxAge}
   */
  public Optional<Duration> nextDelay(int failedAttempt, Duration age, Duration retryAfter) {
    if (failedAttempt < 1) {
      throw new IllegalArgumentException("failedAttempt must be >= 1: " + failedAttempt);
    }
    Objects.requireNonNull(age, "age");
    if (failedAttempt >= maxAttempts) {
      return Optional.empty();
    }
    long capNanos = backoffCapNanos(failedAttempt);
    // Full jitter (uniform in [0, cap]) spreads a burst of failures instead of retrying in lockstep.
    double r;
    synchronized (random) { // the default generator is not thread-safe; sends complete on many threads
      r = random.nextDouble();
    }
    long jittered = (long) (r * (capNanos + 1.0));
    Duration delay = Duration.ofNanos(Math.min(jittered, capNanos));
    if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
      // A push service's word counts up to the policy's longest wait, never beyond: a hostile or
      // broken Retry-After (a year, Long.MAX_VALUE seconds) must not park the message for good.
      delay = retryAfter.compareTo(maxDelay) > 0 ? maxDelay : retryAfter;
    }
    if (age.compareTo(maxAge) > 0 || age.plus(delay).compareTo(maxAge) > 0) {
      return Optional.empty();
    }
    return Optional.of(delay);
  }

  /** The upper bound of the jittered backoff after {@code failedAttempt}, before Retry-After. */
  public Duration backoffCap(int failedAttempt) {
    return Duration.ofNanos(backoffCapNanos(failedAttempt));
  }

  private long backoffCapNanos(int failedAttempt) {
    double nanos = initialDelay.toNanos() * Math.pow(multiplier, failedAttempt - 1);
    long max = maxDelay.toNanos();
    return nanos >= max || Double.isNaN(nanos) ? max : (long) nanos;
  }

  /** Delay before the second attempt, before jitter. */
  public Duration initialDelay() {
    return initialDelay;
  }

  /** Largest backoff before Retry-After. */
  public Duration maxDelay() {
    return maxDelay;
  }

  /** Growth factor per attempt. */
  public double multiplier() {
    return multiplier;
  }

  /** Attempts in all, counting the first. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Oldest a notification may get before it is given up. */
  public Duration maxAge() {
    return maxAge;
  }

  @Override
  public String toString() {
    return "RetryPolicy[initialDelay=" + initialDelay + ", maxDelay=" + maxDelay + ", multiplier=" + multiplier
        + ", maxAttempts=" + maxAttempts + ", maxAge=" + maxAge + "]";
  }

  /** Builds a {@link RetryPolicy}. Setters validate their own value; {@link #build()} the combination. */
  public static final class Builder {
    private Duration initialDelay = Duration.ofSeconds(1);
    private Duration maxDelay = Duration.ofMinutes(10);
    private double multiplier = 2.0;
    private int maxAttempts = 12;
    private Duration maxAge = Duration.ofHours(24);
    private RandomGenerator random = new SplittableRandom();

    private Builder() {}

    /** Backoff cap after the first failure, at most {@link #MAX_DELAY}; default 1 s. */
    public Builder initialDelay(Duration initialDelay) {
      this.initialDelay = bounded("initialDelay", initialDelay, MAX_DELAY);
      return this;
    }

    /**
     * Longest wait between two attempts, also for a provider's longer {@code Retry-After}; at most
     * {@link #MAX_DELAY}; default 10 min.
     */
    public Builder maxDelay(Duration maxDelay) {
      this.maxDelay = bounded("maxDelay", maxDelay, MAX_DELAY);
      return this;
    }

    /** Growth per attempt, {@code >= 1}; default 2. */
    public Builder multiplier(double multiplier) {
      if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException("multiplier must be >= 1 and finite: " + multiplier);
      }
      this.multiplier = multiplier;
      return this;
    }

    /** Attempts in all, counting the first, {@code >= 1}; default 12. */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Oldest a notification may get, at most {@link #MAX_AGE}; default 24 h. */
    public Builder maxAge(Duration maxAge) {
      this.maxAge = bounded("maxAge", maxAge, MAX_AGE);
      return this;
    }

    /** The jitter source; default a {@link SplittableRandom}. Inject a seeded one in tests. */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Builds an immutable policy. */
    public RetryPolicy build() {
      if (maxDelay.compareTo(initialDelay) < 0) {
        throw new IllegalStateException("maxDelay must be >= initialDelay: " + maxDelay + " < " + initialDelay);
      }
      return new RetryPolicy(this);
    }

    private static Duration bounded(String name, Duration d, Duration max) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero() || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(name + " must be > 0 and <= " + max + ": " + d);
      }
      return d;
    }
  }
}
