package dev.herald;

import java.time.Duration;
import java.util.Objects;

/**
 * What a transport reports for one send: the closed set of results the engine knows how to act
 * on. The engine records at most {@value #MAX_RAW_CODE} characters of a raw code and
 * {@value #MAX_REASON} of a reason, with control and format characters escaped and unpaired
 * surrogates replaced, since they come from outside and the database must always take them. A provider's rejection is a value, not an exception; every non-delivered outcome keeps the
 * provider's raw code (an HTTP status, an FCM error code) beside a short reason, so a code Herald
 * does not know yet is never lost.
 */
public sealed interface Outcome {
  /** Most characters of a raw code the engine keeps. */
  int MAX_RAW_CODE = 100;
  /** Most characters of a reason the engine keeps. */
  int MAX_REASON = 500;

  /** The provider's raw code ({@code "201"}, {@code "UNREGISTERED"}), or null when there was none. */
  String rawCode();

  /** A short human-readable reason ({@code "delivered"} for {@link Delivered}). */
  String reason();

  /** {@code "<rawCode>: <reason>"}, or the reason alone when there is no raw code: for last-error columns. */
  default String describe() {
    return rawCode() == null ? reason() : rawCode() + ": " + reason();
  }

  /**
   * The push service accepted the message. Terminal.
   *
   * @param providerId the provider's id for the message (FCM {@code name}, Web Push {@code Location}); may be null
   */
  record Delivered(String providerId) implements Outcome {
    @Override
    public String rawCode() {
      return null;
    }

    @Override
    public String reason() {
      return "delivered";
    }
  }

  /**
   * A transient failure (429, 5xx, timeout, connection reset): try again later, no sooner than
   * {@code retryAfter} when the provider said so.
   *
   * @param retryAfter the provider's {@code Retry-After}, or null
   * @param rawCode the provider's code, or null for an I/O failure
   * @param reason short human-readable reason
   */
  record Retry(Duration retryAfter, String rawCode, String reason) implements Outcome {
    /** Validates. */
    public Retry {
      Objects.requireNonNull(reason, "reason");
      if (retryAfter != null && retryAfter.isNegative()) {
        throw new IllegalArgumentException("retryAfter must be >= 0: " + retryAfter);
      }
    }
  }

  /**
   * The provider refused this message (bad payload, too large): retrying would fail again, the
   * device is kept. Terminal: the delivery is dead and can be re-queued by an operator.
   *
   * @param rawCode the provider's code
   * @param reason short reason, may include an excerpt of the provider's body
   */
  record Rejected(String rawCode, String reason) implements Outcome {
    /** Validates. */
    public Rejected {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The device is gone (FCM {@code UNREGISTERED}, Web Push 404/410): never retry; the device is
   * invalidated in the same transaction that records this outcome.
   *
   * @param rawCode the provider's code
   * @param reason short reason
   */
  record TargetGone(String rawCode, String reason) implements Outcome {
    /** Validates. */
    public TargetGone {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The sender, not the message, is the problem (VAPID rejected, OAuth failure, FCM
   * {@code THIRD_PARTY_AUTH_ERROR}): the engine pauses the delivery's scope (that push service and
   * credential) and keeps the message pending.
   *
   * @param retryAfter how long the provider asked to wait, or null
   * @param rawCode the provider's code
   * @param reason short reason
   */
  record ChannelUnavailable(Duration retryAfter, String rawCode, String reason) implements Outcome {
    /** Validates. */
    public ChannelUnavailable {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The transport did not send: the claim's {@link dev.herald.spi.SendDeadline} had passed, or too
   * little of it was left for the send to finish, when the request was about to leave. Nothing
   * reached the push service, so the engine puts the delivery back, due at once, without counting
   * an attempt, and reports it ({@link dev.herald.spi.DeliveryListener#sendNotStarted}).
   *
   * @param reason why it did not start
   */
  record NotSent(String reason) implements Outcome {
    /** Validates. */
    public NotSent {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String rawCode() {
      return null;
    }
  }

  /** Shorthand for {@link Delivered}. */
  static Outcome delivered(String providerId) {
    return new Delivered(providerId);
  }

  /** Shorthand for {@link Retry} without a provider's delay. */
  static Outcome retry(String rawCode, String reason) {
    return new Retry(null, rawCode, reason);
  }

  /** Shorthand for {@link Retry} with the provider's delay. */
  static Outcome retry(Duration after, String rawCode, String reason) {
    return new Retry(after, rawCode, reason);
  }

  /** Shorthand for {@link Rejected}. */
  static Outcome rejected(String rawCode, String reason) {
    return new Rejected(rawCode, reason);
  }

  /** Shorthand for {@link TargetGone}. */
  static Outcome targetGone(String rawCode, String reason) {
    return new TargetGone(rawCode, reason);
  }

  /** Shorthand for {@link ChannelUnavailable}. */
  static Outcome channelUnavailable(String rawCode, String reason) {
    return new ChannelUnavailable(null, rawCode, reason);
  }
}
