package dev.herald.spi;

import dev.herald.DeliveryState;
import dev.herald.Outcome;
import java.time.Duration;
import java.util.Objects;

/**
 * What a store records for a claimed delivery. The engine derives it from the transport's
 * {@link Outcome} and the retry policy; the store persists it in one fenced update.
 */
public sealed interface Resolution {

  /** The state the delivery ends up in. */
  DeliveryState state();

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
  }

  /** Its notification expired before it could be sent. */
  record Expired() implements Resolution {
    @Override
    public DeliveryState state() {
      return DeliveryState.EXPIRED;
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
  }
}
