package dev.herald.kafka.internal;

import dev.herald.kafka.IngestionStats;
import java.util.concurrent.atomic.AtomicLong;

/** The counters behind {@link IngestionStats}, shared by the consumer threads. */
public final class Stats {
  final AtomicLong records = new AtomicLong();
  final AtomicLong actions = new AtomicLong();
  final AtomicLong transactions = new AtomicLong();
  final AtomicLong offsetCommits = new AtomicLong();
  final AtomicLong deadLettered = new AtomicLong();
  final AtomicLong poisonRetries = new AtomicLong();
  final AtomicLong databaseFailures = new AtomicLong();
  final AtomicLong backPressurePauses = new AtomicLong();
  final AtomicLong partitionsRevoked = new AtomicLong();

  /** A snapshot with the given gauges. */
  public IngestionStats snapshot(int assignedPartitions, boolean paused) {
    return new IngestionStats(records.get(), actions.get(), transactions.get(), offsetCommits.get(), deadLettered.get(),
        poisonRetries.get(), databaseFailures.get(), backPressurePauses.get(), partitionsRevoked.get(), assignedPartitions, paused);
  }
}
