package dev.herald.outbox.jdbc;

import dev.herald.Channel;
import dev.herald.Scope;
import dev.herald.internal.Redact;
import java.time.Instant;
import java.util.Objects;

/**
 * A delivery that was given up: rejected by the push service or out of retries. An operator can
 * re-queue it with {@link OutboxAdmin#requeue(DeadLetterQuery)}.
 *
 * @param deliveryId the delivery
 * @param notificationId its notification
 * @param idempotencyKey the notification's key
 * @param channel the channel it was sent through
 * @param attempts sends that ended in an outcome
 * @param lastError the last outcome's raw code and reason
 * @param enqueuedAt when the notification was enqueued (database clock)
 * @param diedAt when it was given up (database clock)
 * @param recipientId the recipient id the notification was for, or null for an explicit device
 * @param scope the part of the channel it was sent through (push service and credential; see
 *     {@link Scope}); the channel's one scope for deliveries created before scopes were recorded
 */
public record DeadLetter(long deliveryId, long notificationId, String idempotencyKey, Channel channel, int attempts,
    String lastError, Instant enqueuedAt, Instant diedAt, String recipientId, Scope scope) {

  /** Validates. */
  public DeadLetter {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(channel, "channel");
    if (scope == null) {
      scope = Scope.of(channel);
    }
  }

  @Override
  public String toString() {
    return "DeadLetter[delivery=" + deliveryId + ", key=" + Redact.quote(idempotencyKey, 64) + ", channel=" + channel
        + (scope.wholeChannel() ? "" : ", scope=" + scope.name()) + ", attempts=" + attempts + ", lastError=" + Redact.quote(lastError, 120) + ", diedAt=" + diedAt + "]";
  }
}
