package dev.herald.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.testing.CountingTransport;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Four engines on one outbox, 20,000 deliveries, a counting no-op transport. */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class EngineRaceTest {
  static final int EXPLICIT = 10_000;
  static final int RECIPIENTS = 500;
  static final int DEVICES_PER_RECIPIENT = 4;
  static final int NOTES_PER_RECIPIENT = 5;
  static final int TOTAL = EXPLICIT + RECIPIENTS * DEVICES_PER_RECIPIENT * NOTES_PER_RECIPIENT;

  @Parameter
  Db db;

  Fixture fx;
  final List<Herald> engines = new ArrayList<>();

  @BeforeEach
  void setUp() {
    fx = new Fixture(db);
  }

  @AfterEach
  void tearDown() {
    engines.forEach(Herald::close);
    fx.close();
  }

  @Test
  void fourEnginesSendEveryDeliveryExactlyOnce() throws Exception {
    for (int r = 0; r < RECIPIENTS; r++) {
      for (int d = 0; d < DEVICES_PER_RECIPIENT; d++) {
        fx.outbox.register("member-" + r, new DeviceTarget.FcmToken("tok-" + r + "-" + d));
      }
    }
    Map<Long, AtomicInteger> sends = new ConcurrentHashMap<>();
    List<CountingTransport> transports = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      JdbcOutbox store = fx.another(b -> b);
      CountingTransport t = new CountingTransport(Channel.FCM, sends);
      transports.add(t);
      Herald h = Herald.builder().store(store).transport(t).instanceId("engine-" + i)
          .batchSize(200).maxInFlightPerChannel(400).pollInterval(Duration.ofMillis(50)).lease(Duration.ofMinutes(2))
          .build();
      engines.add(h);
      h.start();
    }

    // Enqueue while the engines already run: claims race with enqueues and with each other.
    List<Notification> batch = new ArrayList<>();
    for (int i = 0; i < EXPLICIT; i++) {
      batch.add(Notification.builder("x-" + i).recipient(Recipient.device(new DeviceTarget.FcmToken("dev-" + i)))
          .title("t").build());
      if (batch.size() == 500) {
        fx.outbox.enqueueAll(batch);
        batch.clear();
      }
    }
    for (int r = 0; r < RECIPIENTS; r++) {
      for (int n = 0; n < NOTES_PER_RECIPIENT; n++) {
        batch.add(Notification.builder("r-" + r + "-" + n).recipient(Recipient.id("member-" + r)).title("t").build());
      }
      if (batch.size() >= 500) {
        fx.outbox.enqueueAll(batch);
        batch.clear();
      }
    }
    if (!batch.isEmpty()) {
      fx.outbox.enqueueAll(batch);
    }

    long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
    long delivered = 0;
    while (System.nanoTime() < deadline) {
      delivered = fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE state = 2");
      if (delivered == TOTAL) {
        break;
      }
      Thread.sleep(200);
    }
    engines.forEach(Herald::close);

    assertThat(delivered).isEqualTo(TOTAL);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery")).isEqualTo(TOTAL);
    assertThat(sends).hasSize(TOTAL);
    assertThat(sends.values()).allMatch(c -> c.get() == 1);
    assertThat(transports).as("every engine took part").allMatch(t -> t.total() > 0);
    OutboxStats stats = fx.outbox.admin().stats();
    assertThat(stats.count(Channel.FCM, DeliveryState.DELIVERED)).isEqualTo(TOTAL);
    assertThat(stats.count(DeliveryState.PENDING) + stats.count(DeliveryState.IN_FLIGHT)).isZero();
    assertThat(stats.awaitingExpansion()).isZero();
  }
}
