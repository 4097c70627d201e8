package dev.herald.spi;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.Outcome;
import dev.herald.Scope;
import java.time.Duration;

/**
 * Observes the engine: for metrics, alerts and the host's own bookkeeping (a device invalidated, a
 * channel paused). Every method is a no-op by default.
 *
 * <p>Methods are called after the fact they report was recorded, from engine threads. They must be
 * fast and should not throw; an exception is caught, logged and otherwise ignored.
 */
public interface DeliveryListener {

  /** A delivery was claimed under a lease and is about to be guarded and sent. */
  default void claimed(Delivery delivery) {}

  /** A transport finished a send (whatever the outcome), after {@code elapsed}. */
  default void sendCompleted(Delivery delivery, Outcome outcome, Duration elapsed) {}

  /** The push service accepted the delivery and that was recorded. */
  default void delivered(Delivery delivery, Outcome.Delivered outcome) {}

  /** The delivery failed transiently and was rescheduled after {@code delay}. */
  default void retryScheduled(Delivery delivery, Outcome cause, Duration delay) {}

  /** The delivery was given up: rejected by the provider or retries exhausted. */
  default void dead(Delivery delivery, Outcome cause) {}

  /** A guard vetoed the delivery; it is cancelled. */
  default void cancelled(Delivery delivery, String reason) {}

  /** The notification's expiry passed before the delivery could be sent. */
  default void expired(Delivery delivery) {}

  /** The device is gone; it was invalidated in the same transaction as the outcome. */
  default void targetInvalidated(Delivery delivery, Outcome.TargetGone cause) {}

  /**
   * Sends of a channel were paused because the sender failed (credentials, configuration): called
   * by the default {@link #scopePaused} with the scope's channel, so with several scopes once per
   * paused scope. Override {@link #scopePaused} to know which part of the channel it is.
   */
  default void channelPaused(Channel channel, Outcome cause, Duration pausedFor) {}

  /**
   * A paused part of a channel sent successfully again: called by the default {@link #scopeResumed};
   * other scopes of the channel may still be paused.
   */
  default void channelResumed(Channel channel) {}

  /**
   * A scope (one push service and credential, see {@link Scope}) was paused because the sender
   * failed there (VAPID key refused, OAuth failure, {@code THIRD_PARTY_AUTH_ERROR}), or because too
   * many of its devices were reported gone at once (the safety valve; {@code cause} is then the
   * {@link Outcome.TargetGone}). Its deliveries stay pending, unclaimed, until one probe after
   * {@code pausedFor}; the channel's other scopes go on. The default calls {@link #channelPaused}.
   */
  default void scopePaused(Scope scope, Outcome cause, Duration pausedFor) {
    channelPaused(scope.channel(), cause, pausedFor);
  }

  /** A paused scope's probe succeeded: it sends again. The default calls {@link #channelResumed}. */
  default void scopeResumed(Scope scope) {
    channelResumed(scope.channel());
  }

  /**
   * A completion arrived after this instance's lease had been lost (another instance took the
   * delivery over); it was discarded and changed nothing.
   */
  default void staleCompletionDiscarded(Delivery delivery, Outcome outcome) {}

  /** A delivery was put back unsent (shutdown, paused channel) without counting an attempt. */
  default void released(Delivery delivery, String why) {}

  /**
   * A send was not started because its claim's lease would have ended before it could finish (it
   * waited too long behind other work); the delivery is put back, due at once, without counting
   * an attempt.
   */
  default void sendNotStarted(Delivery delivery, String reason) {}

  /**
   * A send's outcome arrived after its claim's lease had ended, {@code overdue} late: another
   * instance may have claimed and sent the delivery again meanwhile (a repeat the collapse key
   * hides on the device). The outcome is still recorded if the claim is still this instance's.
   */
  default void outcomeAfterLeaseExpiry(Delivery delivery, Outcome outcome, Duration overdue) {}
}
