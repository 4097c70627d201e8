package dev.herald.kafka;

import static dev.herald.kafka.testing.ScheduleEvents.reminderKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.DeliveryState;
import dev.herald.kafka.testing.Events;
import dev.herald.kafka.testing.H2Outbox;
import dev.herald.kafka.testing.KafkaBroker;
import dev.herald.kafka.testing.ScheduleEvents;
import dev.herald.kafka.testing.SharedBroker;
import dev.herald.kafka.testing.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two instances share a group; the second joins while the first is in the middle of a batch (its
 * mapper held), then the first leaves while events keep coming. Every schedule ends with one
 * notification, cancelled because its "cancelled" event came after its "created" event on the same
 * partition: nothing lost, nothing doubled, order per key kept. Under both group protocols.
 */
class RebalanceTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int SCHEDULES = 400;

  @ParameterizedTest(name = "group.protocol={0}")
  @ValueSource(strings = {"classic", "consumer"})
  void rebalanceWhileABatchIsInFlightLosesNothingDoublesNothingAndKeepsOrder(String protocol) throws Exception {
    KafkaBroker broker = SharedBroker.get();
    String topic = "rebalance-" + UUID.randomUUID().toString().substring(0, 8);
    String group = "g-" + topic;
    broker.createTopic(topic, 6);
    CountDownLatch inFlight = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean held = new AtomicBoolean();
    EventMapper<String, String> story = ScheduleEvents.mapper();
    EventMapper<String, String> holdFirstBatch = e -> {
      if (held.compareAndSet(false, true)) {
        inFlight.countDown();
        release.await(60, TimeUnit.SECONDS);
      }
      return story.map(e);
    };
    try (H2Outbox db = new H2Outbox(); Events events = new Events(broker)) {
      KafkaIngestion a = build(broker, group, topic, db, holdFirstBatch, protocol, "a");
      KafkaIngestion b = build(broker, group, topic, db, story, protocol, "b");
      try {
        events.sendAll(topic, range("created", 0, SCHEDULES / 2));
        a.start();
        assertThat(inFlight.await(60, TimeUnit.SECONDS)).as("a's first batch in flight").isTrue();
        b.start();
        // b's join is pending while a holds its batch; then a finishes it and the group rebalances.
        Waits.sleep(1_000);
        release.countDown();
        events.sendAll(topic, range("created", SCHEDULES / 2, SCHEDULES));
        Waits.until(WAIT, () -> b.stats().assignedPartitions() > 0 && a.stats().assignedPartitions() > 0,
            () -> "not shared: a " + a.stats() + ", b " + b.stats());
        events.sendAll(topic, range("cancelled", 0, SCHEDULES / 2));
        a.close(); // a leaves mid-stream: b takes everything
        events.sendAll(topic, range("cancelled", SCHEDULES / 2, SCHEDULES));
        Waits.until(WAIT, () -> events.caughtUp(group, topic, 6), () -> "a " + a.stats() + ", b " + b.stats());

        assertThat(db.count("SELECT COUNT(*) FROM herald_notification")).isEqualTo(SCHEDULES);
        for (int i = 0; i < SCHEDULES; i++) {
          assertThat(db.herald.find(reminderKey("s" + i)).orElseThrow().state()).as("s%d", i)
              .isEqualTo(DeliveryState.CANCELLED);
        }
        assertThat(a.stats().records() + b.stats().records()).isGreaterThanOrEqualTo(2L * SCHEDULES);
        assertThat(b.stats().assignedPartitions()).isEqualTo(6);
      } finally {
        release.countDown();
        a.close();
        b.close();
      }
    }
  }

  private static KafkaIngestion build(KafkaBroker broker, String group, String topic, H2Outbox db,
      EventMapper<String, String> mapper, String protocol, String name) {
    return KafkaIngestion.builder().bootstrapServers(broker.bootstrapServers()).groupId(group).topics(topic)
        .herald(db.herald).mapper(mapper).onPoison(PoisonHandling.retry()).batchSize(50)
        .pollTimeout(Duration.ofMillis(100)).consumerProperty("group.protocol", protocol)
        .consumerProperty("client.id", "instance-" + name).build();
  }

  private static List<String[]> range(String type, int from, int to) {
    List<String[]> l = new ArrayList<>();
    for (int i = from; i < to; i++) {
      String value = type.equals("created") ? "created s" + i + " member-" + (i % 9) : "cancelled s" + i;
      l.add(new String[] {"s" + i, value, type + "-" + i});
    }
    return l;
  }
}
