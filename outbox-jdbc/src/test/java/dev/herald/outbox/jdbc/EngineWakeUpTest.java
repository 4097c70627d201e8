package dev.herald.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.Herald;
import dev.herald.outbox.jdbc.testing.CountingTransport;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An engine that polls only every 30 s still sends within moments of another instance's commit. */
class EngineWakeUpTest {
  Fixture fx;
  Herald engine;

  @AfterEach
  void tearDown() {
    if (engine != null) {
      engine.close();
    }
    fx.close();
  }

  @Test
  void notifyWakesAnIdleEngineLongBeforeItsNextPoll() throws Exception {
    fx = new Fixture(Db.POSTGRESQL);
    JdbcOutbox engineStore = fx.another(b -> b);
    CountingTransport transport = new CountingTransport(Channel.FCM);
    engine = Herald.builder().store(engineStore).transport(transport).instanceId("idle")
        .pollInterval(Duration.ofSeconds(30)).build();
    engine.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!engineStore.listening() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    Thread.sleep(200); // let the engine settle into its 30 s wait

    for (int i = 0; i < 5; i++) {
      long t0 = System.nanoTime();
      fx.outbox.enqueue(Fixture.toDevice("wake-" + i));
      while (transport.total() <= i && System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos()) {
        Thread.sleep(1);
      }
      assertThat(transport.total()).as("sent " + i).isEqualTo(i + 1);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }
  }
}
