package dev.herald.kafka;

import java.util.List;

/**
 * The host's translation of one Kafka record into outbox actions.
 *
 * <p>Called on a consumer thread, once per record and again only when the record is redelivered
 * or retried, so it should be a pure function of the event: the same event must yield the same
 * actions with the same idempotency keys (use {@link Event#idempotencyKey(String)} or keys from the
 * domain, such as {@code "schedule-42:starts"}, never a random or time-based key). It must not
 * write anywhere itself: the actions it returns are applied in the batch's transaction.
 *
 * <p>An exception, or a {@code null} result, makes the record a poison record, handled as
 * {@link PoisonHandling} says. An empty list means "nothing to do for this event".
 *
 * @param <K> the record key type
 * @param <V> the record value type
 */
@FunctionalInterface
public interface EventMapper<K, V> {

  /**
   * The actions for this event, applied in list order.
   *
   * @throws Exception when the event cannot be handled (the record becomes a poison record)
   */
  List<Action> map(Event<K, V> event) throws Exception;
}
