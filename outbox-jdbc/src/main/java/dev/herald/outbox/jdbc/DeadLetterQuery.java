package dev.herald.outbox.jdbc;

import dev.herald.Channel;
import dev.herald.Recipient;
import dev.herald.Scope;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Which dead letters to list, count or re-queue: by idempotency key, notification id, delivery id
 * or ids, recipient id, channel, scope, or the time they died, plus an order, a keyset cursor and a limit.
 * Filters combine with AND; an unset filter matches everything.
 *
 * <pre>{@code
 * admin.requeue(DeadLetterQuery.diedBetween(outageStart, outageEnd).withChannel(Channel.FCM));
 * admin.deadLetters(DeadLetterQuery.byKey("order-42:shipped"));
 * // Newest first, 50 at a time: the next page starts after the last row of this one.
 * List<DeadLetter> page = admin.deadLetters(DeadLetterQuery.all().orderNewestFirst().withLimit(50));
 * DeadLetter last = page.get(page.size() - 1);
 * List<DeadLetter> next = admin.deadLetters(DeadLetterQuery.all().orderNewestFirst().withLimit(50)
 *     .after(last.diedAt(), last.deliveryId()));
 * }</pre>
 *
 * @param idempotencyKey the notification's key, or null
 * @param notificationId the notification's id, or null
 * @param deliveryId the delivery's id, or null
 * @param diedFrom died at or after this instant, or null
 * @param diedBefore died before this instant, or null
 * @param limit the most rows to return, count or re-queue, 1 to 100,000
 * @param recipientId the recipient id the notification was for, or null
 * @param channel the delivery's channel, or null
 * @param deliveryIds only these deliveries (at most 1,000), or null
 * @param afterDiedAt with {@code afterDeliveryId}: only rows after this one in the query's order
 *     (keyset pagination), or null
 * @param afterDeliveryId the delivery id of the cursor row, or null
 * @param newestFirst order by time of death descending instead of ascending (ties by delivery id)
 * @param scope the delivery's scope (a push service and credential; its channel must match
 *     {@code channel} when both are given), or null
 */
public record DeadLetterQuery(String idempotencyKey, Long notificationId, Long deliveryId, Instant diedFrom,
    Instant diedBefore, int limit, String recipientId, Channel channel, List<Long> deliveryIds, Instant afterDiedAt,
    Long afterDeliveryId, boolean newestFirst, Scope scope) {

  /** Default of {@link #limit}. */
  public static final int DEFAULT_LIMIT = 1_000;
  /** The largest limit accepted. */
  public static final int MAX_LIMIT = 100_000;
  /** The most delivery ids one query may name. */
  public static final int MAX_DELIVERY_IDS = 1_000;

  /** Validates and copies. */
  public DeadLetterQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1-" + MAX_LIMIT + ": " + limit);
    }
    if (diedFrom != null && diedBefore != null && !diedBefore.isAfter(diedFrom)) {
      throw new IllegalArgumentException("diedBefore must be after diedFrom: " + diedBefore + " <= " + diedFrom);
    }
    if (recipientId != null) {
      new Recipient.ById(recipientId); // 1-255 printable characters, or InvalidInputException
    }
    if (deliveryIds != null) {
      if (deliveryIds.size() > MAX_DELIVERY_IDS) {
        throw new IllegalArgumentException("deliveryIds must hold at most " + MAX_DELIVERY_IDS + " ids: " + deliveryIds.size());
      }
      deliveryIds = List.copyOf(deliveryIds); // rejects null elements
    }
    if (scope != null && channel != null && !scope.channel().equals(channel)) {
      throw new IllegalArgumentException("scope must be of the channel " + channel + ": " + scope);
    }
    if ((afterDiedAt == null) != (afterDeliveryId == null)) {
      throw new IllegalArgumentException("afterDiedAt and afterDeliveryId must be given together: "
          + afterDiedAt + ", " + afterDeliveryId);
    }
  }

  /** Every dead letter, oldest first, up to the default limit. */
  public static DeadLetterQuery all() {
    return new DeadLetterQuery(null, null, null, null, null, DEFAULT_LIMIT, null, null, null, null, null, false, null);
  }

  /** The dead deliveries of the notification with this key. */
  public static DeadLetterQuery byKey(String idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    return all().withKey(idempotencyKey);
  }

  /** The dead deliveries of one notification. */
  public static DeadLetterQuery byNotificationId(long notificationId) {
    return new DeadLetterQuery(null, notificationId, null, null, null, DEFAULT_LIMIT, null, null, null, null, null, false, null);
  }

  /** One delivery, if it is dead. */
  public static DeadLetterQuery byDeliveryId(long deliveryId) {
    return new DeadLetterQuery(null, null, deliveryId, null, null, DEFAULT_LIMIT, null, null, null, null, null, false, null);
  }

  /** These deliveries, those of them that are dead (at most {@value #MAX_DELIVERY_IDS}). */
  public static DeadLetterQuery byDeliveryIds(List<Long> deliveryIds) {
    Objects.requireNonNull(deliveryIds, "deliveryIds");
    return new DeadLetterQuery(null, null, null, null, null, DEFAULT_LIMIT, null, null, deliveryIds, null, null, false, null);
  }

  /** Dead letters that died in {@code [from, before)}. */
  public static DeadLetterQuery diedBetween(Instant from, Instant before) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(before, "before");
    return all().withDiedBetween(from, before);
  }

  /** A copy with another limit. */
  public DeadLetterQuery withLimit(int newLimit) {
    return new DeadLetterQuery(idempotencyKey, notificationId, deliveryId, diedFrom, diedBefore, newLimit, recipientId,
        channel, deliveryIds, afterDiedAt, afterDeliveryId, newestFirst, scope);
  }

  /** A copy that also filters by idempotency key (null: any). */
  public DeadLetterQuery withKey(String key) {
    return new DeadLetterQuery(key, notificationId, deliveryId, diedFrom, diedBefore, limit, recipientId,
        channel, deliveryIds, afterDiedAt, afterDeliveryId, newestFirst, scope);
  }

  /** A copy that also filters by recipient id (null: any). */
  public DeadLetterQuery withRecipient(String recipient) {
    return new DeadLetterQuery(idempotencyKey, notificationId, deliveryId, diedFrom, diedBefore, limit, recipient,
        channel, deliveryIds, afterDiedAt, afterDeliveryId, newestFirst, scope);
  }

  /** A copy that also filters by channel (null: any). */
  public DeadLetterQuery withChannel(Channel ch) {
    return new DeadLetterQuery(idempotencyKey, notificationId, deliveryId, diedFrom, diedBefore, limit, recipientId,
        ch, deliveryIds, afterDiedAt, afterDeliveryId, newestFirst, scope);
  }

  /**
   * A copy that also filters by scope (null: any): the dead letters of one push service and
   * credential, such as those of a Firebase project whose credentials failed. Sets the channel too.
   */
  public DeadLetterQuery withScope(Scope s) {
    return new DeadLetterQuery(idempotencyKey, notificationId, deliveryId, diedFrom, diedBefore, limit, recipientId,
        s == null ? channel : s.channel(), deliveryIds, afterDiedAt, afterDeliveryId, newestFirst, s);
  }

  /** A copy that also filters by time of death, {@code [from, before)}; either may be null (open). */
  public DeadLetterQuery withDiedBetween(Instant from, Instant before) {
    return new DeadLetterQuery(idempotencyKey, notificationId, deliveryId, from, before, limit, recipientId,
        channel, deliveryIds, afterDiedAt, afterDeliveryId, newestFirst, scope);
  }

  /** A copy ordered newest death first. */
  public DeadLetterQuery orderNewestFirst() {
    return new DeadLetterQuery(idempotencyKey, notificationId, deliveryId, diedFrom, diedBefore, limit, recipientId,
        channel, deliveryIds, afterDiedAt, afterDeliveryId, true, scope);
  }

  /** A copy that starts after the row ({@code diedAt}, {@code cursorDeliveryId}) in this query's order. */
  public DeadLetterQuery after(Instant diedAt, long cursorDeliveryId) {
    Objects.requireNonNull(diedAt, "diedAt");
    return new DeadLetterQuery(idempotencyKey, notificationId, deliveryId, diedFrom, diedBefore, limit, recipientId,
        channel, deliveryIds, diedAt, cursorDeliveryId, newestFirst, scope);
  }
}
