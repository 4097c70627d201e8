package dev.herald.outbox.jdbc;

import java.time.Instant;
import java.util.Objects;

/**
 * Which dead letters to list or re-queue: by idempotency key, notification id, delivery id, or the
 * time they died, plus a limit. Filters combine with AND; an unset filter matches everything.
 *
 * <pre>{@code
 * admin.requeue(DeadLetterQuery.diedBetween(outageStart, outageEnd));
 * admin.deadLetters(DeadLetterQuery.byKey("order-42:shipped"));
 * }</pre>
 *
 * @param idempotencyKey the notification's key, or null
 * @param notificationId the notification's id, or null
 * @param deliveryId the delivery's id, or null
 * @param diedFrom died at or after this instant, or null
 * @param diedBefore died before this instant, or null
 * @param limit the most rows to return or re-queue, 1 to 100,000
 */
public record DeadLetterQuery(String idempotencyKey, Long notificationId, Long deliveryId, Instant diedFrom,
    Instant diedBefore, int limit) {

  /** Default and upper bound of {@link #limit}. */
  public static final int DEFAULT_LIMIT = 1_000;
  /** The largest limit accepted. */
  public static final int MAX_LIMIT = 100_000;

  /** Validates. */
  public DeadLetterQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1-" + MAX_LIMIT + ": " + limit);
    }
    if (diedFrom != null && diedBefore != null && !diedBefore.isAfter(diedFrom)) {
      throw new IllegalArgumentException("diedBefore must be after diedFrom: " + diedBefore + " <= " + diedFrom);
    }
  }

  /** Every dead letter, oldest first, up to the default limit. */
  public static DeadLetterQuery all() {
    return new DeadLetterQuery(null, null, null, null, null, DEFAULT_LIMIT);
  }

  /** The dead deliveries of the notification with this key. */
  public static DeadLetterQuery byKey(String idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    return new DeadLetterQuery(idempotencyKey, null, null, null, null, DEFAULT_LIMIT);
  }

  /** The dead deliveries of one notification. */
  public static DeadLetterQuery byNotificationId(long notificationId) {
    return new DeadLetterQuery(null, notificationId, null, null, null, DEFAULT_LIMIT);
  }

  /** One delivery, if it is dead. */
  public static DeadLetterQuery byDeliveryId(long deliveryId) {
    return new DeadLetterQuery(null, null, deliveryId, null, null, DEFAULT_LIMIT);
  }

  /** Dead letters that died in {@code [from, before)}. */
  public static DeadLetterQuery diedBetween(Instant from, Instant before) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(before, "before");
    return new DeadLetterQuery(null, null, null, from, before, DEFAULT_LIMIT);
  }

  /** A copy with another limit. */
  public DeadLetterQuery withLimit(int newLimit) {
    return new DeadLetterQuery(idempotencyKey, notificationId, deliveryId, diedFrom, diedBefore, newLimit);
  }
}
