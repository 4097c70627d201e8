package dev.herald;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A notification as the store sees it now: for operators, tests and the host's own views.
 *
 * @param notificationId the store's id
 * @param idempotencyKey the key
 * @param state the notification's state: before expansion its own, after expansion derived from
 *     its deliveries (not terminal while any delivery is not; then delivered if any was)
 * @param reason why it is in that state when it is not delivered (cancel reason, last error), or null
 * @param enqueuedAt when it was enqueued (store clock)
 * @param deliveries one entry per device it was expanded to (one for an explicit device)
 */
public record NotificationStatus(long notificationId, String idempotencyKey, DeliveryState state, String reason,
    Instant enqueuedAt, List<DeliveryStatus> deliveries) {

  /** Validates and copies. */
  public NotificationStatus {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(state, "state");
    deliveries = List.copyOf(deliveries);
  }

  /**
   * One delivery of a notification.
   *
   * @param deliveryId the store's id
   * @param target the device
   * @param state where it stands
   * @param attempts attempts made (claims that ended in an outcome)
   * @param lastError the last error's raw code and reason, or null
   * @param providerId the provider's id once delivered, or null
   * @param scope the part of the channel it belongs to (see {@link Scope}); null when the target is
   *     unknown (its device was deleted since)
   */
  public record DeliveryStatus(long deliveryId, DeviceTarget target, DeliveryState state, int attempts,
      String lastError, String providerId, Scope scope) {

    /** A delivery in its target channel's one scope. */
    public DeliveryStatus(long deliveryId, DeviceTarget target, DeliveryState state, int attempts, String lastError,
        String providerId) {
      this(deliveryId, target, state, attempts, lastError, providerId, target == null ? null : Scope.of(target.channel()));
    }
  }

  /** The state a notification has, given its deliveries' states. */
  public static DeliveryState aggregate(List<DeliveryState> states) {
    if (states.isEmpty()) {
      return DeliveryState.TARGET_GONE;
    }
    if (states.contains(DeliveryState.IN_FLIGHT)) {
      return DeliveryState.IN_FLIGHT;
    }
    if (states.contains(DeliveryState.PENDING)) {
      return DeliveryState.PENDING;
    }
    if (states.contains(DeliveryState.DELIVERED)) {
      return DeliveryState.DELIVERED;
    }
    for (DeliveryState s : List.of(DeliveryState.DEAD, DeliveryState.EXPIRED, DeliveryState.CANCELLED)) {
      if (states.contains(s)) {
        return s;
      }
    }
    return DeliveryState.TARGET_GONE;
  }
}
