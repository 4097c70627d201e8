package dev.herald.kafka;

import static dev.herald.kafka.testing.ScheduleEvents.reminderKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scheduling story through a real broker into an H2 outbox. */
class KafkaIngestionTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private KafkaBroker broker;
  private Events events;
  private H2Outbox db;
  private String topic;
  private String group;
  private final List<KafkaIngestion> ingestions = new ArrayList<>();

  @BeforeEach
  void setUp() {
    broker = SharedBroker.get();
    events = new Events(broker);
    db = new H2Outbox();
    topic = "schedules-" + UUID.randomUUID().toString().substring(0, 8);
    group = "notifications-" + topic;
    broker.createTopic(topic, 3);
  }

  @AfterEach
  void tearDown() {
    ingestions.forEach(KafkaIngestion::close);
    events.close();
    db.close();
  }

  private KafkaIngestion.Builder<String, String> ingestion() {
    return KafkaIngestion.builder().bootstrapServers(broker.bootstrapServers()).groupId(group).topics(topic)
        .herald(db.herald).mapper(ScheduleEvents.mapper()).onPoison(PoisonHandling.retry())
        .pollTimeout(Duration.ofMillis(200));
  }

  private KafkaIngestion started(KafkaIngestion.Builder<String, String> b) {
    KafkaIngestion i = b.build();
    ingestions.add(i);
    i.start();
    return i;
  }

  private long notifications() {
    return db.count("SELECT COUNT(*) FROM herald_notification");
  }

  @Test
  void eventsBecomeNotificationsAndOffsetsAreCommittedAfterTheTransaction() {
    List<String[]> batch = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      batch.add(new String[] {"s" + i, "created s" + i + " member-" + (i % 7), "e-" + i});
    }
    events.sendAll(topic, batch);
    KafkaIngestion ingestion = started(ingestion().batchSize(50));

    Waits.until(WAIT, () -> events.caughtUp(group, topic, 3), () -> "committed " + events.committed(group, topic)
        + " of " + events.endOffsets(topic, 3) + "; " + ingestion.stats());

    assertThat(notifications()).isEqualTo(300);
    assertThat(db.herald.find(reminderKey("s42"))).hasValueSatisfying(s ->
        assertThat(s.state()).isEqualTo(DeliveryState.PENDING));
    IngestionStats st = ingestion.stats();
    assertThat(st.records()).isEqualTo(300);
    assertThat(st.transactions()).isBetween(6L, 300L);
    assertThat(st.assignedPartitions()).isEqualTo(3);
    assertThat(st.deadLettered()).isZero();
  }

  @Test
  void redeliveredAndRepublishedEventsAreNoOps() {
    List<String[]> first = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      first.add(new String[] {"s" + i, "created s" + i + " member-1", "e-" + i});
    }
    events.sendAll(topic, first);
    KafkaIngestion one = started(ingestion());
    Waits.until(WAIT, () -> events.caughtUp(group, topic, 3), () -> "first pass: " + one.stats());
    one.close();

    // The producer's outbox publishes the same 100 events again (a crash after its send), and a
    // new consumer group reads the whole topic again: 200 records, no new notification.
    events.sendAll(topic, first);
    group = group + "-replay";
    KafkaIngestion replay = started(ingestion());
    Waits.until(WAIT, () -> events.caughtUp(group, topic, 3), () -> "replay: " + replay.stats());

    assertThat(replay.stats().records()).isEqualTo(200);
    assertThat(notifications()).isEqualTo(100);
    assertThat(db.count("SELECT COUNT(*) FROM herald_delivery")).isZero(); // recipients not expanded yet
  }

  @Test
  void cancelRegisterAndUnregisterFollowTheEventsInOrder() {
    events.sendAll(topic, List.of(
        new String[] {"m1", "registered member-1 fid-phone", "r1"},
        new String[] {"m1", "registered member-1 fid-tablet", "r2"},
        new String[] {"s1", "created s1 member-1", "c1"},
        new String[] {"s2", "created s2 member-1", "c2"},
        new String[] {"s3", "created s3 member-1", "c3"},
        new String[] {"s1", "cancelled s1", "x1"},
        new String[] {"s2", "started s2", "x2"},
        new String[] {"m1", "unregistered fid-tablet", "u1"}));
    started(ingestion());
    Waits.until(WAIT, () -> events.caughtUp(group, topic, 3), () -> "not caught up");

    assertThat(db.herald.find(reminderKey("s1")).orElseThrow().state()).isEqualTo(DeliveryState.CANCELLED);
    assertThat(db.herald.find(reminderKey("s2")).orElseThrow().state()).isEqualTo(DeliveryState.CANCELLED);
    assertThat(db.herald.find(reminderKey("s3")).orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(db.herald.devices().devices("member-1")).extracting(Device::target)
        .containsExactly(new DeviceTarget.FcmInstallation("fid-phone"));
  }

  @Test
  void eventsWithoutTheHeaderAreKnownByRecordKeyAndValue() {
    // No event-id header: the same bytes under the same key are one event, other bytes another.
    events.sendAll(topic, List.of(
        new String[] {"s1", "created s1 member-1", null},
        new String[] {"s1", "created s1 member-1", null},
        new String[] {"s2", "created s2 member-2", null}));
    List<String> ids = new ArrayList<>();
    started(ingestion().mapper(e -> {
      synchronized (ids) {
        ids.add(e.id());
      }
      return List.of(Action.enqueue(e.notification("reminder").recipient(dev.herald.Recipient.id("member-1"))
          .title("t").build()));
    }));
    Waits.until(WAIT, () -> events.caughtUp(group, topic, 3), () -> "not caught up");

    assertThat(ids).hasSize(3).allMatch(id -> id.startsWith("kv:s"));
    assertThat(ids.stream().distinct()).hasSize(2);
    assertThat(notifications()).isEqualTo(2);
  }

  @Test
  void closeReturnsWithinTheShutdownTimeoutAndCommitsWhatWasApplied() {
    List<String[]> batch = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      batch.add(new String[] {"s" + i, "created s" + i + " member-1", "e-" + i});
    }
    events.sendAll(topic, batch);
    KafkaIngestion ingestion = started(ingestion().shutdownTimeout(Duration.ofSeconds(10)));
    Waits.until(WAIT, () -> notifications() == 50, () -> "applied " + notifications());

    long start = System.nanoTime();
    ingestion.close();
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took).isLessThan(Duration.ofSeconds(11));
    assertThat(events.caughtUp(group, topic, 3)).as("offsets committed at close").isTrue();
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("herald-kafka-" + group));
    ingestion.close(); // idempotent
  }
}
