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
 * @param collapseKey the display tag, which replaces an earlier notification with the same tag on the
 *     device's screen: the host's collapse key, or the notification id (see {@link CollapseKeys})
 * @param expiresAt the notification's expiry, or null
 * @param scope the part of the channel it belongs to (push service and credential, see {@link Scope});
 *     null means the channel's one scope
 */
public record Delivery(long deliveryId, String notificationKey, int attempt, DeviceTarget target, Content content,
    DeliveryOptions options, String collapseKey, Instant expiresAt, Scope scope) {

  /** Validates; a null scope becomes the target channel's one scope. */
  public Delivery {
    Objects.requireNonNull(notificationKey, "notificationKey");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(collapseKey, "collapseKey");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1: " + attempt);
    }
    if (scope == null) {
      scope = Scope.of(target.channel());
    } else if (!scope.channel().equals(target.channel())) {
      throw new IllegalArgumentException("scope must be of the target's channel " + target.channel() + ": " + scope);
    }
  }

  /** A delivery in its channel's one scope (what a store that knows nothing of scopes creates). */
  public Delivery(long deliveryId, String notificationKey, int attempt, DeviceTarget target, Content content,
      DeliveryOptions options, String collapseKey, Instant expiresAt) {
    this(deliveryId, notificationKey, attempt, target, content, options, collapseKey, expiresAt, null);
  }

  /** The id derived from the idempotency key that every message carries as data {@value CollapseKeys#ID_DATA_KEY}. */
  public String notificationId() {
    return CollapseKeys.fromIdempotencyKey(notificationKey);
  }

  /**
   * The collapse key the host named, for the push service's own replacement of pending messages
   * (FCM {@code collapse_key}, Web Push {@code Topic}); null when the host named none, which is the
   * default, so that nothing is collapsed while the device is offline.
   */
  public String pushServiceCollapseKey() {
    return options.collapseKey();
  }

  /** The channel this delivery goes through. */
  public Channel channel() {
    return target.channel();
  }

  /** A copy with other options (the engine shortens the time to live to the expiry). */
  public Delivery withOptions(DeliveryOptions newOptions) {
    return new Delivery(deliveryId, notificationKey, attempt, target, content, newOptions, collapseKey, expiresAt, scope);
  }

  /** A copy in another scope of the same channel. */
  public Delivery withScope(Scope newScope) {
    return new Delivery(deliveryId, notificationKey, attempt, target, content, options, collapseKey, expiresAt, newScope);
  }

  @Override
  public String toString() {
    return "Delivery[id=" + deliveryId + ", key=" + dev.herald.internal.Redact.quote(notificationKey, 64)
        + ", attempt=" + attempt + ", target=" + target + (scope.wholeChannel() ? "" : ", scope=" + scope) + "]";
  }
}
