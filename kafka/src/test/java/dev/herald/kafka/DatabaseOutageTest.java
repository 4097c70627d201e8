package dev.herald.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.kafka.testing.Events;
import dev.herald.kafka.testing.H2Outbox;
import dev.herald.kafka.testing.KafkaBroker;
import dev.herald.kafka.testing.Postgres;
import dev.herald.kafka.testing.ScheduleEvents;
import dev.herald.kafka.testing.SharedBroker;
import dev.herald.kafka.testing.Waits;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stops while events keep arriving: consumption pauses (no offset committed, no busy
 * loop, still a member of the group although the outage outlasts max.poll.interval.ms), and
 * resumes by itself once the server is back; nothing lost, nothing doubled.
 */
class DatabaseOutageTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @Test
  void aDatabaseRestartPausesConsumptionAndLosesNothing() {
    KafkaBroker broker = SharedBroker.get();
    String topic = "outage-" + UUID.randomUUID().toString().substring(0, 8);
    String group = "g-" + topic;
    broker.createTopic(topic, 3);
    try (Postgres pg = Postgres.create(4); Events events = new Events(broker)) {
      JdbcHerald outbox = H2Outbox.herald(pg.dataSource());
      KafkaIngestion ingestion = KafkaIngestion.builder().bootstrapServers(broker.bootstrapServers()).groupId(group)
          .topics(topic).herald(outbox).mapper(ScheduleEvents.mapper()).onPoison(PoisonHandling.retry())
          .pollTimeout(Duration.ofMillis(200)).retryBackoff(Duration.ofMillis(200), Duration.ofSeconds(2))
          .backlogCheckInterval(Duration.ofMillis(200))
          // Shorter than the outage: only a loop that keeps polling while paused stays in the group.
          .consumerProperty("max.poll.interval.ms", 5_000).consumerProperty("session.timeout.ms", 6_000)
          .consumerProperty("heartbeat.interval.ms", 1_000)
          .build();
      try {
        ingestion.start();
        events.sendAll(topic, created(0, 100));
        Waits.until(WAIT, () -> events.caughtUp(group, topic, 3), () -> "before: " + ingestion.stats());
        long revokedBefore = ingestion.stats().partitionsRevoked();
        Map<TopicPartition, Long> committedAtStop = events.committed(group, topic);

        Postgres.server("stop");
        long outageStart = System.nanoTime();
        try {
          events.sendAll(topic, created(100, 200));
          Waits.until(WAIT, () -> ingestion.stats().databaseFailures() >= 2 && ingestion.stats().paused(),
              () -> "no paused retries: " + ingestion.stats());
          // Past max.poll.interval.ms while the database is down.
          Waits.sleep(7_000);
          IngestionStats during = ingestion.stats();
          double outageSeconds = (System.nanoTime() - outageStart) / 1e9;
          assertThat(events.committed(group, topic)).as("no offset committed during the outage").isEqualTo(committedAtStop);
          assertThat(during.paused()).isTrue();
          assertThat(during.assignedPartitions()).as("still in the group").isEqualTo(3);
          assertThat(during.partitionsRevoked()).as("no rebalance").isEqualTo(revokedBefore);
          // Backoff 0.2 s doubling to 2 s: about 8 tries in 8 s, a busy loop would make thousands.
          assertThat(during.databaseFailures()).as("tries in %.1f s", outageSeconds).isBetween(2L, 15L);
        } finally {
          Postgres.server("start");
        }

        Waits.until(WAIT, () -> events.caughtUp(group, topic, 3), () -> "after: " + ingestion.stats());
        assertThat(H2Outbox.count(pg.dataSource(), "SELECT COUNT(*) FROM herald_notification")).isEqualTo(200);
        assertThat(ingestion.stats().paused()).isFalse();
      } finally {
        ingestion.close();
        outbox.close();
      }
    }
  }

  @Test
  void partitionsRevokedWhileABatchWaitsForTheDatabaseAreLeftToTheirNextOwnerUnapplied() {
    KafkaBroker broker = SharedBroker.get();
    String topic = "outage-rebalance-" + UUID.randomUUID().toString().substring(0, 8);
    String group = "g-" + topic;
    broker.createTopic(topic, 4);
    try (Postgres pg = Postgres.create(6); Events events = new Events(broker)) {
      JdbcHerald outbox = H2Outbox.herald(pg.dataSource());
      KafkaIngestion a = build(broker, group, topic, outbox, pg);
      KafkaIngestion b = build(broker, group, topic, outbox, pg);
      try {
        a.start();
        events.sendAll(topic, created(0, 50));
        Waits.until(WAIT, () -> events.caughtUp(group, topic, 4), () -> "before: " + a.stats());
        Map<TopicPartition, Long> committedAtStop = events.committed(group, topic);

        Postgres.server("stop");
        try {
          events.sendAll(topic, created(50, 150));
          Waits.until(WAIT, () -> a.stats().databaseFailures() >= 1 && a.stats().paused(), () -> "a: " + a.stats());
          // b joins while a holds a batch it cannot apply: a gives up partitions with that batch.
          b.start();
          Waits.until(WAIT, () -> b.stats().assignedPartitions() > 0 && a.stats().partitionsRevoked() > 0,
              () -> "a " + a.stats() + ", b " + b.stats());
          assertThat(events.committed(group, topic)).as("nothing committed during the outage").isEqualTo(committedAtStop);
        } finally {
          Postgres.server("start");
        }
        Waits.until(WAIT, () -> events.caughtUp(group, topic, 4), () -> "after: a " + a.stats() + ", b " + b.stats());
        assertThat(H2Outbox.count(pg.dataSource(), "SELECT COUNT(*) FROM herald_notification")).isEqualTo(150);
      } finally {
        a.close();
        b.close();
        outbox.close();
      }
    }
  }

  private static KafkaIngestion build(KafkaBroker broker, String group, String topic, JdbcHerald outbox, Postgres pg) {
    return KafkaIngestion.builder().bootstrapServers(broker.bootstrapServers()).groupId(group).topics(topic)
        .herald(outbox).mapper(ScheduleEvents.mapper()).onPoison(PoisonHandling.retry())
        .pollTimeout(Duration.ofMillis(200)).retryBackoff(Duration.ofMillis(200), Duration.ofSeconds(1))
        .backlogCheckInterval(Duration.ofMillis(200)).build();
  }

  private static List<String[]> created(int from, int to) {
    List<String[]> l = new ArrayList<>();
    for (int i = from; i < to; i++) {
      l.add(new String[] {"s" + i, "created s" + i + " member-" + (i % 5), "e-" + i});
    }
    return l;
  }
}
