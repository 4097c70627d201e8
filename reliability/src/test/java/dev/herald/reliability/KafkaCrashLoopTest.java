package dev.herald.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.kafka.testing.KafkaBroker;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.reliability.engine.ServiceMain;
import dev.herald.reliability.support.EngineProcess;
import dev.herald.reliability.support.Devices;
import dev.herald.reliability.support.Figures;
import dev.herald.reliability.support.Ledger;
import dev.herald.reliability.support.OutboxProbe;
import dev.herald.reliability.support.Stacks;
import dev.herald.reliability.support.TestPostgres;
import dev.herald.reliability.support.Waits;
import dev.herald.webpush.VapidKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka → Herald → push services under {@code kill -9}: whole notification-service instances
 * (Kafka ingestion and engine in one JVM, {@link ServiceMain}) consume a topic of schedule events
 * into the PostgreSQL outbox and send to the fake push services, while a random instance is killed
 * with SIGKILL at a random moment and started again. Some events are published twice (a producer
 * outbox re-publishing after its own crash). At the end: every event became exactly one
 * notification, none is lost, every key shows exactly one notification on its device, and sends
 * beyond one per key stay within what the killed engines held.
 *
 * <p>CI size: 3,000 events, 2 instances, 6 kills. Full ({@code -Dherald.reliability.full=true}):
 * 20,000 events, 20 kills; {@code herald.reliability.kafka.*} overrides each.
 */
class KafkaCrashLoopTest {
  private static final boolean FULL = Boolean.getBoolean("herald.reliability.full");
  private static final int N = Integer.getInteger("herald.reliability.kafka.events", FULL ? 20_000 : 3_000);
  private static final int KILLS = Integer.getInteger("herald.reliability.kafka.kills", FULL ? 20 : 6);
  private static final int INSTANCES = 2;
  private static final int PARTITIONS = 6;
  private static final int RECIPIENTS = 100;
  private static final int BURST = 100;
  private static final long BURST_EVERY_MILLIS = FULL ? 250 : 400;

  @Test
  @Timeout(value = 40, unit = TimeUnit.MINUTES)
  void killNineOfConsumersLosesNothingAndShowsEachNotificationOnce() throws Exception {
    Figures fig = new Figures(FULL ? "kafka-crash-loop-full" : "kafka-crash-loop");
    Path dir = Path.of("target", "reliability", "kafka-crash-loop");
    Files.createDirectories(dir);
    Ledger ledger = new Ledger(false);
    VapidKeys vapid = VapidKeys.generate();
    Random random = new Random(Long.getLong("herald.reliability.seed", System.nanoTime()));
    String topic = "schedule-events";
    String group = "notifications";
    List<EngineProcess> instances = new ArrayList<>();
    try (TestPostgres db = TestPostgres.create();
        KafkaBroker broker = KafkaBroker.start();
        Devices devices = new Devices(ledger, vapid.publicKeyBase64Url());
        KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5),
            new StringSerializer(), new StringSerializer())) {
      broker.createTopic(topic, PARTITIONS);
      HikariDataSource ds = db.pool("driver", 3);
      JdbcOutbox outbox = Stacks.outbox(ds);
      outbox.migrate();
      OutboxProbe probe = new OutboxProbe(ds);
      Stacks.registerMembers(outbox, devices, RECIPIENTS);
      Map<String, String> settings = new HashMap<>(EngineProcess.settings(dir, db.url(), vapid, devices.fcm(),
          Map.of("leaseMillis", "15000")));
      settings.put("bootstrapServers", broker.bootstrapServers());
      settings.put("topic", topic);
      settings.put("group", group);
      for (int i = 1; i <= INSTANCES; i++) {
        instances.add(new EngineProcess("k" + i, dir, settings, ServiceMain.class));
      }
      instances.forEach(EngineProcess::start);
      for (EngineProcess e : instances) {
        e.awaitReady(Duration.ofMinutes(2));
      }

      // The producer: bursts of events; every tenth event is published a second time.
      AtomicBoolean producing = new AtomicBoolean(true);
      long[] republished = {0};
      long started = System.nanoTime();
      Thread driver = new Thread(() -> {
        for (int i = 0; i < N; i += BURST) {
          List<Future<?>> acks = new ArrayList<>();
          for (int j = i; j < Math.min(N, i + BURST); j++) {
            ProducerRecord<String, String> r = new ProducerRecord<>(topic, "s" + j,
                "created s" + j + " member-" + (j % RECIPIENTS));
            r.headers().add("event-id", ("ev-" + j).getBytes(StandardCharsets.UTF_8));
            acks.add(producer.send(r));
            if (j % 10 == 0) {
              acks.add(producer.send(r));
              republished[0]++;
            }
          }
          for (Future<?> f : acks) {
            try {
              f.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
              throw new IllegalStateException("producing failed", e);
            }
          }
          Waits.sleep(BURST_EVERY_MILLIS);
        }
        producing.set(false);
      }, "producer");
      driver.start();

      int kills = 0;
      long inFlightAtCrashes = 0;
      while (kills < KILLS || producing.get()) {
        Waits.sleep(1_000 + random.nextInt(3_000));
        EngineProcess victim = instances.get(random.nextInt(instances.size()));
        String id = victim.kill();
        Waits.sleep(300);
        inFlightAtCrashes += probe.inFlightOf(id);
        kills++;
        victim.startAndAwait(Duration.ofMinutes(2));
      }
      driver.join();
      fig.put("kill phase seconds", Duration.ofNanos(System.nanoTime() - started).toSeconds());

      Duration drain = Waits.until(Duration.ofMinutes(FULL ? 20 : 6),
          () -> probe.notifications() >= N && probe.open() == 0 && caughtUp(broker, group, topic),
          () -> "notifications " + probe.notifications() + " of " + N + ", open " + probe.open()
              + ", consumer group caught up " + caughtUp(broker, group, topic));
      instances.forEach(EngineProcess::stop);

      Set<String> keys = new HashSet<>();
      for (int j = 0; j < N; j++) {
        keys.add("schedule-s" + j + ":starts");
      }
      long lost = probe.lost() + (N - probe.notifications());
      Set<String> neverSeen = new HashSet<>(keys);
      neverSeen.removeAll(ledger.acceptedKeys());
      fig.put("events", N);
      fig.put("events published twice", republished[0]);
      fig.put("instances", INSTANCES);
      fig.put("kills", kills);
      fig.put("notifications in the outbox", probe.notifications());
      fig.put("lost", lost);
      fig.put("deliveries in flight at the crashes (sum)", inFlightAtCrashes);
      fig.put("accepted at the push services", ledger.accepted());
      fig.put("sends beyond one per key (duplicates)", ledger.duplicatesBeyondOne());
      fig.put("keys not shown exactly once (by collapse id)", ledger.keysNotVisibleExactlyOnce(keys));
      fig.put("drain after the last kill (s)", drain.toSeconds());
      fig.put("total seconds", Duration.ofNanos(System.nanoTime() - started).toSeconds());
      fig.write();

      assertThat(kills).isGreaterThanOrEqualTo(KILLS);
      assertThat(probe.notifications()).as("one notification per event").isEqualTo(N);
      assertThat(lost).as("lost").isZero();
      assertThat(probe.deliveredKeys()).isEqualTo(N);
      assertThat(neverSeen).as("keys no push service took in").isEmpty();
      assertThat(ledger.keysNotVisibleExactlyOnce(keys)).as("keys not shown exactly once").isZero();
      assertThat(ledger.collapseMismatches()).isZero();
      assertThat(ledger.duplicatesBeyondOne()).isLessThanOrEqualTo(inFlightAtCrashes);
    } finally {
      instances.forEach(EngineProcess::stop);
    }
  }

  private static boolean caughtUp(KafkaBroker broker, String group, String topic) {
    try (Admin admin = broker.admin()) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetSpec> req = new HashMap<>();
      for (int p = 0; p < PARTITIONS; p++) {
        req.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      return admin.listOffsets(req).all().get(30, TimeUnit.SECONDS).entrySet().stream().allMatch(e -> {
        OffsetAndMetadata c = committed.get(e.getKey());
        return (c == null ? 0 : c.offset()) == e.getValue().offset();
      });
    } catch (Exception e) {
      return false;
    }
  }
}
