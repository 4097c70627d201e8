package dev.herald.kafka;

import static dev.herald.kafka.testing.ScheduleEvents.reminderKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.kafka.testing.Events;
import dev.herald.kafka.testing.H2Outbox;
import dev.herald.kafka.testing.KafkaBroker;
import dev.herald.kafka.testing.ScheduleEvents;
import dev.herald.kafka.testing.SharedBroker;
import dev.herald.kafka.testing.Waits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Records that cannot be handled: dead-lettered with their origin, or retried in order; never skipped. */
class PoisonRecordTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private KafkaBroker broker;
  private Events events;
  private H2Outbox db;
  private String topic;
  private String dlt;
  private String group;
  private final List<KafkaIngestion> ingestions = new ArrayList<>();

  @BeforeEach
  void setUp() {
    broker = SharedBroker.get();
    events = new Events(broker);
    db = new H2Outbox();
    topic = "poison-" + UUID.randomUUID().toString().substring(0, 8);
    dlt = topic + ".dlt";
    group = "g-" + topic;
    broker.createTopic(topic, 1);
    broker.createTopic(dlt, 1);
  }

  @AfterEach
  void tearDown() {
    ingestions.forEach(KafkaIngestion::close);
    events.close();
    db.close();
  }

  /** Text values; a value starting with "undecodable" fails to deserialize. */
  private static final class PickyDeserializer implements Deserializer<String> {
    private final StringDeserializer text = new StringDeserializer();

    @Override
    public String deserialize(String topic, byte[] data) {
      String s = text.deserialize(topic, data);
      if (s != null && s.startsWith("undecodable")) {
        throw new org.apache.kafka.common.errors.SerializationException("not a schedule event");
      }
      return s;
    }
  }

  private KafkaIngestion start(KafkaIngestion.Builder<String, String> b) {
    KafkaIngestion i = b.build();
    ingestions.add(i);
    i.start();
    return i;
  }

  private KafkaIngestion.Builder<String, String> ingestion(PoisonHandling poison) {
    return KafkaIngestion.builder(new StringDeserializer(), new PickyDeserializer()).bootstrapServers(broker.bootstrapServers())
        .groupId(group).topics(topic).herald(db.herald).mapper(ScheduleEvents.mapper()).onPoison(poison)
        .pollTimeout(Duration.ofMillis(100)).retryBackoff(Duration.ofMillis(100), Duration.ofMillis(400));
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void poisonRecordsGoToTheDeadLetterTopicWithTheirReasonAndOrigin() {
    String tooLong = "m".repeat(300);
    events.sendAll(topic, List.of(
        new String[] {"s1", "created s1 member-1", "e1"},
        new String[] {"s2", "rescheduled s2", "e2"},                     // offset 1: the mapper refuses it
        new String[] {"s3", "undecodable \u0001", "e3"},                 // offset 2: does not deserialize
        new String[] {"m1", "registered " + tooLong + " fid-1", "e4"},   // offset 3: the outbox refuses it
        new String[] {"s5", "created s5 member-1", "e5"}));
    KafkaIngestion ingestion = start(ingestion(PoisonHandling.deadLetter(dlt)));

    Waits.until(WAIT, () -> events.caughtUp(group, topic, 1), () -> "not caught up: " + ingestion.stats());
    List<ConsumerRecord<byte[], byte[]>> dead = events.readAll(dlt, 3, WAIT);

    assertThat(dead).hasSize(3);
    assertThat(dead).extracting(r -> header(r, PoisonHandling.OFFSET_HEADER)).containsExactly("1", "2", "3");
    assertThat(dead).allSatisfy(r -> {
      assertThat(header(r, PoisonHandling.TOPIC_HEADER)).isEqualTo(topic);
      assertThat(header(r, PoisonHandling.PARTITION_HEADER)).isEqualTo("0");
      assertThat(header(r, PoisonHandling.GROUP_HEADER)).isEqualTo(group);
      assertThat(header(r, "event-id")).as("original headers kept").startsWith("e");
    });
    assertThat(header(dead.get(0), PoisonHandling.REASON_HEADER)).startsWith("the mapper failed")
        .contains("unknown event type: rescheduled");
    assertThat(header(dead.get(0), PoisonHandling.EXCEPTION_HEADER)).isEqualTo(IllegalArgumentException.class.getName());
    assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("rescheduled s2");
    assertThat(new String(dead.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("s2");
    assertThat(header(dead.get(1), PoisonHandling.REASON_HEADER)).startsWith("the value could not be deserialized");
    assertThat(header(dead.get(2), PoisonHandling.REASON_HEADER)).startsWith("the outbox refused an action")
        .contains("recipientId");
    assertThat(db.herald.find(reminderKey("s1"))).isPresent();
    assertThat(db.herald.find(reminderKey("s5"))).isPresent();
    assertThat(ingestion.stats().deadLettered()).isEqualTo(3);
    assertThat(ingestion.stats().records()).isEqualTo(2);
  }

  @Test
  void aRetriedPoisonRecordHoldsItsPartitionAndKeepsTheOrder() {
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    EventMapper<String, String> flaky = e -> {
      int n = calls.computeIfAbsent(e.value(), k -> new AtomicInteger()).incrementAndGet();
      if (e.value().equals("created b member-1") && n <= 2) {
        throw new IllegalStateException("lookup service unavailable");
      }
      return ScheduleEvents.mapper().map(e);
    };
    events.sendAll(topic, List.of(
        new String[] {"a", "created a member-1", "e1"},
        new String[] {"b", "created b member-1", "e2"},
        new String[] {"b", "cancelled b", "e3"},
        new String[] {"c", "created c member-1", "e4"}));
    KafkaIngestion ingestion = start(ingestion(PoisonHandling.retry()).mapper(flaky));

    Waits.until(WAIT, () -> events.caughtUp(group, topic, 1), () -> "not caught up: " + ingestion.stats());

    assertThat(ingestion.stats().poisonRetries()).isEqualTo(2);
    assertThat(calls.get("created b member-1")).hasValue(3);
    long a = db.herald.find(reminderKey("a")).orElseThrow().notificationId();
    long b = db.herald.find(reminderKey("b")).orElseThrow().notificationId();
    long c = db.herald.find(reminderKey("c")).orElseThrow().notificationId();
    assertThat(a).isLessThan(b);
    assertThat(b).isLessThan(c);
    // "cancelled b" waited behind "created b": applied after it, so it found something to cancel.
    assertThat(db.herald.find(reminderKey("b")).orElseThrow().state()).isEqualTo(dev.herald.DeliveryState.CANCELLED);
  }

  @Test
  void deadLetteredAfterTheConfiguredNumberOfTries() {
    events.sendAll(topic, List.of(
        new String[] {"x", "rescheduled x", "e1"},
        new String[] {"y", "created y member-1", "e2"}));
    KafkaIngestion ingestion = start(ingestion(PoisonHandling.deadLetter(dlt).afterAttempts(3)));

    Waits.until(WAIT, () -> events.caughtUp(group, topic, 1), () -> "not caught up: " + ingestion.stats());
    List<ConsumerRecord<byte[], byte[]>> dead = events.readAll(dlt, 1, WAIT);

    assertThat(dead).singleElement().satisfies(r -> assertThat(header(r, PoisonHandling.ATTEMPTS_HEADER)).isEqualTo("3"));
    assertThat(ingestion.stats().poisonRetries()).isEqualTo(2);
    assertThat(db.herald.find(reminderKey("y"))).isPresent();
  }

  @Test
  void anUnreachableDeadLetterTopicHoldsTheBatchInsteadOfSkippingIt() {
    events.sendAll(topic, List.of(
        new String[] {"x", "rescheduled x", "e1"},
        new String[] {"y", "created y member-1", "e2"}));
    String missing = topic + ".missing-dlt";
    KafkaIngestion ingestion = start(ingestion(PoisonHandling.deadLetter(missing))
        .commitTimeout(Duration.ofSeconds(2)).producerProperty("max.block.ms", 1_000));

    Waits.until(WAIT, () -> ingestion.stats().paused(), () -> "not holding back: " + ingestion.stats());
    assertThat(events.committed(group, topic)).isEmpty();
    assertThat(db.herald.find(reminderKey("y"))).isEmpty();

    broker.createTopic(missing, 1);
    Waits.until(WAIT, () -> events.caughtUp(group, topic, 1), () -> "not caught up: " + ingestion.stats());
    assertThat(events.readAll(missing, 1, WAIT)).hasSize(1);
    assertThat(db.herald.find(reminderKey("y"))).isPresent();
  }
}
