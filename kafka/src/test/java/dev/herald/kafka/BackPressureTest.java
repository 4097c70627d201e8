package dev.herald.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.kafka.testing.Events;
import dev.herald.kafka.testing.H2Outbox;
import dev.herald.kafka.testing.KafkaBroker;
import dev.herald.kafka.testing.SharedBroker;
import dev.herald.kafka.testing.Waits;
import dev.herald.testing.ScriptedTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Consumption pauses while the outbox's due backlog is over the limit and resumes when engines catch up. */
class BackPressureTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void consumptionPausesAboveTheBacklogLimitAndResumesBelowIt() {
    KafkaBroker broker = SharedBroker.get();
    String topic = "pressure-" + UUID.randomUUID().toString().substring(0, 8);
    String group = "g-" + topic;
    broker.createTopic(topic, 2);
    try (H2Outbox db = new H2Outbox(); Events events = new Events(broker)) {
      EventMapper<String, String> toDevices = e -> List.of(Action.enqueue(e.notification("reminder")
          .recipient(Recipient.device(new DeviceTarget.FcmToken("token-" + e.key()))).title("t").build()));
      KafkaIngestion ingestion = KafkaIngestion.builder().bootstrapServers(broker.bootstrapServers()).groupId(group)
          .topics(topic).herald(db.herald).mapper(toDevices).onPoison(PoisonHandling.retry())
          // Checked before every poll: the backlog can overshoot the limit by one batch at most.
          .batchSize(10).maxBacklog(40).resumeBacklog(10).backlogCheckInterval(Duration.ofMillis(1))
          .pollTimeout(Duration.ofMillis(100)).build();
      List<String[]> batch = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        batch.add(new String[] {"k" + i, "created " + i, "e-" + i});
      }
      events.sendAll(topic, batch);
      AtomicLong maxBacklog = new AtomicLong();
      Thread sampler = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          maxBacklog.accumulateAndGet(db.count("SELECT COUNT(*) FROM herald_delivery WHERE state = 0"), Math::max);
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      Herald engine = null;
      try {
        ingestion.start();
        sampler.start();
        Waits.until(WAIT, () -> ingestion.stats().paused() && ingestion.stats().backPressurePauses() == 1,
            () -> "not paused: " + ingestion.stats());
        long applied = db.count("SELECT COUNT(*) FROM herald_notification");
        // Paused means paused: a second later nothing more has come in.
        Waits.sleep(1_000);
        assertThat(db.count("SELECT COUNT(*) FROM herald_notification")).isEqualTo(applied);
        assertThat(applied).isLessThan(300);

        // Engines catch up: consumption resumes (and pauses again whenever the engine falls behind).
        engine = Herald.builder().store(db.herald.outbox()).transport(new ScriptedTransport(Channel.FCM))
            .pollInterval(Duration.ofMillis(20)).batchSize(20).maxInFlightPerChannel(20).build();
        engine.start();
        Waits.until(WAIT, () -> events.caughtUp(group, topic, 2), () -> "not caught up: " + ingestion.stats());
        assertThat(db.count("SELECT COUNT(*) FROM herald_notification")).isEqualTo(300);
        Waits.until(WAIT, () -> !ingestion.stats().paused(), () -> "still paused: " + ingestion.stats());
        // The limit, plus at most the one batch polled after the last check below it.
        assertThat(maxBacklog.get()).isLessThanOrEqualTo(40 + 10);
      } finally {
        sampler.interrupt();
        if (engine != null) {
          engine.close();
        }
        ingestion.close();
      }
    }
  }

  @Test
  void notificationsScheduledForLaterDoNotHoldConsumptionBack() {
    KafkaBroker broker = SharedBroker.get();
    String topic = "later-" + UUID.randomUUID().toString().substring(0, 8);
    String group = "g-" + topic;
    broker.createTopic(topic, 1);
    try (H2Outbox db = new H2Outbox(); Events events = new Events(broker)) {
      EventMapper<String, String> later = e -> List.of(Action.enqueue(Notification.builder("later-" + e.key())
          .recipient(Recipient.device(new DeviceTarget.FcmToken("token-" + e.key()))).title("t")
          .notBefore(java.time.Instant.now().plus(Duration.ofDays(1))).build()));
      List<String[]> batch = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        batch.add(new String[] {"k" + i, "created " + i, "e-" + i});
      }
      events.sendAll(topic, batch);
      try (KafkaIngestion ingestion = KafkaIngestion.builder().bootstrapServers(broker.bootstrapServers())
          .groupId(group).topics(topic).herald(db.herald).mapper(later).onPoison(PoisonHandling.retry())
          .batchSize(10).maxBacklog(20).backlogCheckInterval(Duration.ofMillis(20)).build()) {
        ingestion.start();
        Waits.until(WAIT, () -> events.caughtUp(group, topic, 1), () -> "not caught up: " + ingestion.stats());
        assertThat(ingestion.stats().backPressurePauses()).isZero();
      }
    }
  }
}
