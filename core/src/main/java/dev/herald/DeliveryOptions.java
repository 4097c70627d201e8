package dev.herald;

import dev.herald.internal.Checks;
import dev.herald.internal.Redact;
import java.time.Duration;

/**
 * How a push service should treat a notification: how long it may hold it for an offline device,
 * how urgent it is, and whether the push service may replace it with a later one.
 *
 * @param timeToLive how long the push service keeps the message for an offline device, 0 to
 *     {@value #MAX_TTL_DAYS} days (FCM's limit); default one day
 * @param urgency Web Push urgency, FCM/APNs priority; default {@link Urgency#NORMAL}
 * @param collapseKey null (the default): the push service stores every message for an offline
 *     device, and the display tag comes from the idempotency key, so a repeated send replaces the
 *     first on screen. Set: only the latest pending message with this key is kept by the push
 *     service (FCM {@code collapse_key}, Web Push {@code Topic}; FCM keeps at most four different
 *     keys per offline device) and it is also the display tag ({@code tag},
 *     {@code apns-collapse-id}). See {@link CollapseKeys}.
 */
public record DeliveryOptions(Duration timeToLive, Urgency urgency, String collapseKey) {
  /** Longest time to live accepted, FCM's limit. */
  public static final int MAX_TTL_DAYS = 28;
  /** Default time to live. */
  public static final Duration DEFAULT_TTL = Duration.ofDays(1);
  /** One day, normal urgency, no collapse key. */
  public static final DeliveryOptions DEFAULTS = new DeliveryOptions(DEFAULT_TTL, Urgency.NORMAL, null);

  /** Validates. */
  public DeliveryOptions {
    Checks.orThrow(check("", timeToLive, urgency, collapseKey), "delivery options");
  }

  /** Validates without throwing; problem paths start with {@code prefix}. */
  public static Validated<DeliveryOptions> validate(String prefix, Duration timeToLive,
      Urgency urgency, String collapseKey) {
    return check(prefix, timeToLive, urgency, collapseKey).map(ok -> new DeliveryOptions(timeToLive, urgency, collapseKey));
  }

  /** A copy with another time to live. */
  public DeliveryOptions withTimeToLive(Duration ttl) {
    return new DeliveryOptions(ttl, urgency, collapseKey);
  }

  /** A copy with an explicit collapse key (see {@link #collapseKey()}). */
  public DeliveryOptions withCollapseKey(String key) {
    return new DeliveryOptions(timeToLive, urgency, key);
  }

  private static Validated<Boolean> check(String prefix, Duration ttl, Urgency urgency, String collapseKey) {
    Checks c = Checks.of(prefix);
    if (c.required(ttl, "timeToLive")) {
      c.check(!ttl.isNegative() && ttl.compareTo(Duration.ofDays(MAX_TTL_DAYS)) <= 0, "timeToLive",
          "must be between 0 and " + MAX_TTL_DAYS + " days: " + ttl);
    }
    c.required(urgency, "urgency");
    if (collapseKey != null) {
      // 32 base64url characters is the Web Push Topic limit (RFC 8030 §5.4), the strictest of all channels.
      c.check(!collapseKey.isEmpty() && collapseKey.length() <= 32 && Checks.base64Url(collapseKey), "collapseKey",
          "must be 1-32 URL-safe base64 characters: " + Redact.quote(collapseKey, 40));
    }
    return c.result(() -> Boolean.TRUE);
  }

}
