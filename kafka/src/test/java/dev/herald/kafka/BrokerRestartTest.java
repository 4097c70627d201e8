package dev.herald.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.kafka.testing.Events;
import dev.herald.kafka.testing.H2Outbox;
import dev.herald.kafka.testing.KafkaBroker;
import dev.herald.kafka.testing.ScheduleEvents;
import dev.herald.kafka.testing.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The broker is killed with SIGKILL while the ingestion consumes, and started again on the same
 * data: the ingestion reconnects by itself, commits what it applied, and ends with one notification
 * per event.
 */
class BrokerRestartTest {
  private static final Duration WAIT = Duration.ofSeconds(120);

  @Test
  void aKilledAndRestartedBrokerLosesNothingAndDoublesNothing() {
    String topic = "restart";
    String group = "notifications";
    try (KafkaBroker broker = KafkaBroker.start(); H2Outbox db = new H2Outbox()) {
      broker.createTopic(topic, 3);
      KafkaIngestion ingestion = KafkaIngestion.builder().bootstrapServers(broker.bootstrapServers()).groupId(group)
          .topics(topic).herald(db.herald).mapper(ScheduleEvents.mapper()).onPoison(PoisonHandling.retry())
          .batchSize(20).pollTimeout(Duration.ofMillis(100)).commitTimeout(Duration.ofSeconds(5)).build();
      try {
        ingestion.start();
        try (Events events = new Events(broker)) {
          events.sendAll(topic, created(0, 150));
          Waits.until(WAIT, () -> ingestion.stats().records() > 0, () -> "nothing applied: " + ingestion.stats());
        }
        broker.kill();
        Waits.sleep(2_000); // the outage itself: the consumer is meant to notice it
        broker.restart();
        try (Events events = new Events(broker)) {
          events.sendAll(topic, created(150, 300));
          Waits.until(WAIT, () -> events.caughtUp(group, topic, 3), () -> "not caught up: " + ingestion.stats());
        }
        assertThat(db.count("SELECT COUNT(*) FROM herald_notification")).isEqualTo(300);
        assertThat(ingestion.stats().records()).isGreaterThanOrEqualTo(300);
      } finally {
        ingestion.close();
      }
    }
  }

  private static List<String[]> created(int from, int to) {
    List<String[]> l = new ArrayList<>();
    for (int i = from; i < to; i++) {
      l.add(new String[] {"s" + i, "created s" + i + " member-" + (i % 5), "e-" + i});
    }
    return l;
  }
}
