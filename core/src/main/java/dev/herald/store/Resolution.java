package dev.herald.store;

import dev.herald.DeliveryState;
import dev.herald.Outcome;
import java.time.Duration;
import java.util.Objects;

/**
 * What a store records for a claimed delivery. The engine derives it from the transport's
 * {@link Outcome} and the retry policy; the store persists it in one fenced update.
 *
 * <p>A resolution carries its whole meaning, so that every store records it the same way: the
 * {@link #state()}, whether it {@link #countsAsAttempt() counts as an attempt}, when the delivery is
 * {@link #delay() due again} (if at all), the {@link #lastError() last-error text} and the
 * {@link #providerId() provider's id}. A store persists exactly these and interprets nothing;
 * {@code OutboxStoreContract} in herald-testing checks it.
 */
public sealed interface Resolution {

  /** The longest last-error text a store records, in characters: longer texts end with an ellipsis. */
  int MAX_LAST_ERROR = 500;

  /** The state the delivery ends up in. */
  DeliveryState state();

  /**
   * True when a send was made and answered (delivered, failed, refused, gone): the delivery's
   * attempt count grows by one. A veto, an expiry or a release sent nothing and counts nothing.
   */
  boolean countsAsAttempt();

  /**
   * When the delivery is due again, from the store's now, for a resolution that leaves it pending;
   * null for one that finishes it.
   */
  default Duration delay() {
    return null;
  }

  /**
   * The text recorded as the delivery's last error, at most {@link #MAX_LAST_ERROR} characters; null
   * when there is none (delivered).
   */
  String lastError();

  /** The provider's id of the accepted message, recorded with {@link Delivered}; null otherwise. */
  default String providerId() {
    return null;
  }

  /**
   * Accepted by the push service.
   *
   * @param providerId the provider's message id, or null
   */
  record Delivered(String providerId) implements Resolution {
    @Override
    public DeliveryState state() {
      return DeliveryState.DELIVERED;
    }

    @Override
    public boolean countsAsAttempt() {
      return true;
    }

    @Override
    public String lastError() {
      return null;
    }
  }

  /**
   * Failed transiently; the attempt counts; due again after {@code delay} (store clock).
   *
   * @param delay from the store's now
   * @param cause the outcome, for the last-error columns
   */
  record Retry(Duration delay, Outcome cause) implements Resolution {
    /** Validates. */
    public Retry {
      Objects.requireNonNull(delay, "delay");
      Objects.requireNonNull(cause, "cause");
    }

    @Override
    public DeliveryState state() {
      return DeliveryState.PENDING;
    }

    @Override
    public boolean countsAsAttempt() {
      return true;
    }

    @Override
    public String lastError() {
      return bounded(cause.describe());
    }
  }

  /**
   * Given up: rejected, or retries exhausted. Operators can re-queue it.
   *
   * @param cause the last outcome
   */
  record Dead(Outcome cause) implements Resolution {
    /** Validates. */
    public Dead {
      Objects.requireNonNull(cause, "cause");
    }

    @Override
    public DeliveryState state() {
      return DeliveryState.DEAD;
    }

    @Override
    public boolean countsAsAttempt() {
      return true;
    }

    @Override
    public String lastError() {
      return bounded(cause.describe());
    }
  }

  /**
   * Vetoed by the host's guard.
   *
   * @param reason the guard's reason
   */
  record Cancelled(String reason) implements Resolution {
    /** Validates. */
    public Cancelled {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public DeliveryState state() {
      return DeliveryState.CANCELLED;
    }

    @Override
    public boolean countsAsAttempt() {
      return false;
    }

    /** {@code "vetoed by the guard: <reason>"}: a host's own cancel reads differently. */
    @Override
    public String lastError() {
      return bounded("vetoed by the guard: " + reason);
    }
  }

  /** Its notification expired before it could be sent. */
  record Expired() implements Resolution {
    @Override
    public DeliveryState state() {
      return DeliveryState.EXPIRED;
    }

    @Override
    public boolean countsAsAttempt() {
      return false;
    }

    @Override
    public String lastError() {
      return "expired before it could be sent";
    }
  }

  /**
   * The device is gone: record it and invalidate the device in the same transaction, finishing the
   * device's other pending deliveries as target gone too.
   *
   * @param cause the provider's answer
   * @param invalidateDevice false when a safety valve decided the device must be kept
   */
  record TargetGone(Outcome.TargetGone cause, boolean invalidateDevice) implements Resolution {
    /** Validates. */
    public TargetGone {
      Objects.requireNonNull(cause, "cause");
    }

    @Override
    public DeliveryState state() {
      return DeliveryState.TARGET_GONE;
    }

    @Override
    public boolean countsAsAttempt() {
      return true;
    }

    /** The provider's answer; also the device's invalidation reason. */
    @Override
    public String lastError() {
      return bounded(cause.describe());
    }
  }

  /**
   * Put back unsent without counting an attempt (shutdown, paused channel); due again after
   * {@code delay}.
   *
   * @param delay from the store's now
   * @param why recorded as the last error
   */
  record Release(Duration delay, String why) implements Resolution {
    /** Validates. */
    public Release {
      Objects.requireNonNull(delay, "delay");
      Objects.requireNonNull(why, "why");
    }

    @Override
    public DeliveryState state() {
      return DeliveryState.PENDING;
    }

    @Override
    public boolean countsAsAttempt() {
      return false;
    }

    /** {@code "released: <why>"}: a pending delivery whose last error says it was put back unsent. */
    @Override
    public String lastError() {
      return bounded("released: " + why);
    }
  }

  /**
   * Text any store can take: control characters escaped, unpaired surrogates replaced, cut to
   * {@link #MAX_LAST_ERROR} characters without splitting a pair (the cut marked with an ellipsis).
   */
  private static String bounded(String text) {
    return dev.herald.internal.Texts.storable(text, MAX_LAST_ERROR);
  }
}
