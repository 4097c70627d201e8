package dev.herald.outbox.jdbc;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Scope;
import dev.herald.internal.Redact;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One notification as an operator needs to see it: when it was enqueued and due, where it stands,
 * and each delivery with its attempts and the provider's last raw error. Read by
 * {@link OutboxAdmin#notification(String)}, {@link OutboxAdmin#notification(long)} and
 * {@link OutboxAdmin#recipientTimeline}.
 *
 * <p>Only the last error of a delivery is stored, not a history of its attempts. Device targets
 * are the stored values: a view must show them redacted (their {@code toString()} is).
 *
 * @param notificationId the outbox's id
 * @param idempotencyKey the key
 * @param recipientId the recipient id, or null for a notification to an explicit device
 * @param state before expansion the notification's own state, after it derived from its deliveries
 * @param reason why it is in that state when not delivered (cancel reason, last error), or null
 * @param title the content's title, or null
 * @param enqueuedAt when it was enqueued (database clock)
 * @param dueAt when it was due (its {@code notBefore} or its enqueue time); null for notifications
 *     enqueued before schema version 3 once expanded
 * @param expiresAt its expiry, or null
 * @param finishedAt when it reached its terminal state (the last delivery's end), or null while open
 * @param deliveries its deliveries in id order, at most {@link OutboxAdmin#MAX_DELIVERIES_SHOWN}
 * @param deliveryCount how many deliveries it has in all
 */
public record NotificationDetail(long notificationId, String idempotencyKey, String recipientId, DeliveryState state,
    String reason, String title, Instant enqueuedAt, Instant dueAt, Instant expiresAt, Instant finishedAt,
    List<DeliveryDetail> deliveries, int deliveryCount) {

  /** Validates and copies. */
  public NotificationDetail {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(enqueuedAt, "enqueuedAt");
    deliveries = List.copyOf(deliveries);
  }

  /**
   * One delivery of a notification to one device.
   *
   * @param deliveryId the outbox's id
   * @param channel the channel
   * @param target the device, or null when its registration was deleted since (pruned)
   * @param state where it stands
   * @param attempts sends that ended in an outcome
   * @param lastError the last outcome's raw code and reason (or why it was finished), or null
   * @param providerId the push service's message id once delivered, or null
   * @param nextAt while pending the time it is due, while in flight the end of its lease; null once finished
   * @param finishedAt when it reached its terminal state, or null
   * @param leaseOwner the engine instance holding it while in flight, or null
   * @param requeuedAt when an operator last re-queued it, or null
   * @param scope the part of the channel it goes through (push service and credential; see
   *     {@link Scope}); the channel's one scope for deliveries created before scopes were recorded
   */
  public record DeliveryDetail(long deliveryId, Channel channel, DeviceTarget target, DeliveryState state,
      int attempts, String lastError, String providerId, Instant nextAt, Instant finishedAt, String leaseOwner,
      Instant requeuedAt, Scope scope) {

    /** Validates; a null scope is the channel's one scope. */
    public DeliveryDetail {
      Objects.requireNonNull(channel, "channel");
      Objects.requireNonNull(state, "state");
      if (scope == null) {
        scope = Scope.of(channel);
      }
    }

    @Override
    public String toString() {
      return "DeliveryDetail[" + deliveryId + ", " + scope + ", " + target + ", " + state + ", attempts=" + attempts
          + ", lastError=" + Redact.quote(lastError, 120) + "]";
    }
  }

  @Override
  public String toString() {
    return "NotificationDetail[" + notificationId + ", key=" + Redact.quote(idempotencyKey, 64) + ", " + state
        + ", deliveries=" + deliveryCount + "]";
  }
}
