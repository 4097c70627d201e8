package dev.herald;

import java.time.Instant;
import java.util.Objects;

/**
 * One send to one device, as a transport receives it: a notification after recipient expansion.
 *
 * @param deliveryId the store's id of this delivery
 * @param notificationKey the notification's idempotency key
 * @param attempt which attempt this is, counted from 1
 * @param target the device
 * @param content what to show and send
 * @param options time to live (already shortened to the notification's expiry), urgency
 * @param collapseKey the collapse identifier to send (Web Push {@code Topic}, FCM {@code collapse_key}, tag)
 * @param expiresAt the notification's expiry, or null
 */
public record Delivery(long deliveryId, String notificationKey, int attempt, DeviceTarget target, Content content,
    DeliveryOptions options, String collapseKey, Instant expiresAt) {

  /** Validates. */
  public Delivery {
    Objects.requireNonNull(notificationKey, "notificationKey");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(collapseKey, "collapseKey");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1: " + attempt);
    }
  }

  /** The channel this delivery goes through. */
  public Channel channel() {
    return target.channel();
  }

  /** A copy with other options (the engine shortens the time to live to the expiry). */
  public Delivery withOptions(DeliveryOptions newOptions) {
    return new Delivery(deliveryId, notificationKey, attempt, target, content, newOptions, collapseKey, expiresAt);
  }

  @Override
  public String toString() {
    return "Delivery[id=" + deliveryId + ", key=" + dev.herald.internal.Redact.quote(notificationKey, 64)
        + ", attempt=" + attempt + ", target=" + target + "]";
  }
}
