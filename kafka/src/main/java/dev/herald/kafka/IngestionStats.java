package dev.herald.kafka;

/**
 * Counters of a {@link KafkaIngestion} since it started, over all its consumer threads.
 *
 * @param records records whose actions were applied in a committed transaction (a redelivered
 *     record counts again; its actions were no-ops)
 * @param actions actions applied in committed transactions
 * @param transactions database transactions committed
 * @param offsetCommits offset commits the broker acknowledged
 * @param deadLettered records published to the dead-letter topic
 * @param poisonRetries poison records set back for another try
 * @param databaseFailures transactions that failed for the database and were retried
 * @param backPressurePauses times consumption paused because the outbox backlog was over the limit
 * @param partitionsRevoked partitions taken away by rebalances (revoked or lost) since start
 * @param assignedPartitions partitions assigned right now
 * @param paused whether any consumer thread holds its partitions paused right now (back-pressure or
 *     database outage)
 */
public record IngestionStats(long records, long actions, long transactions, long offsetCommits, long deadLettered,
    long poisonRetries, long databaseFailures, long backPressurePauses, long partitionsRevoked, int assignedPartitions,
    boolean paused) {}
