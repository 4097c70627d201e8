/**
 * Kafka ingestion: {@link dev.herald.kafka.KafkaIngestion} consumes domain events from Kafka topics
 * in a consumer group, maps each record to outbox {@link dev.herald.kafka.Action}s with a host
 * {@link dev.herald.kafka.EventMapper}, applies a batch of records' actions in one database
 * transaction and commits the offsets only after that transaction committed. A redelivered record
 * is a no-op by its idempotency keys ({@link dev.herald.kafka.EventIdentity}); a record that cannot
 * be handled is dead-lettered or retried ({@link dev.herald.kafka.PoisonHandling}), never skipped.
 */
package dev.herald.kafka;
