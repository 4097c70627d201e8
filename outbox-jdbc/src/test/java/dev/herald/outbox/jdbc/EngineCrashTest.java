package dev.herald.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeliveryState;
import dev.herald.Herald;
import dev.herald.NotificationStatus;
import dev.herald.Outcome;
import dev.herald.outbox.jdbc.testing.CountingTransport;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.spi.DeliveryListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** An instance that stops answering (a crash, a long GC pause) loses its lease; its late result is discarded. */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class EngineCrashTest {
  @Parameter
  Db db;

  Fixture fx;
  Herald stuck;
  Herald survivor;

  @BeforeEach
  void setUp() {
    fx = new Fixture(db);
  }

  @AfterEach
  void tearDown() {
    if (stuck != null) {
      stuck.close();
    }
    if (survivor != null) {
      survivor.close();
    }
    fx.close();
  }

  @Test
  void expiredLeaseIsSentByAnotherInstanceAndTheStaleCompletionIsDiscarded() throws Exception {
    fx.outbox.enqueue(Fixture.toDevice("crash-1"));
    CompletableFuture<Outcome> hanging = new CompletableFuture<>();
    CountingTransport stuckTransport = new CountingTransport(Channel.FCM).answering(d -> hanging);
    List<String> staleSeen = new CopyOnWriteArrayList<>();
    stuck = Herald.builder().store(fx.another(b -> b)).transport(stuckTransport).instanceId("stuck")
        .lease(Duration.ofMillis(400)).pollInterval(Duration.ofMillis(50)).maxInFlightPerChannel(1)
        .listener(new DeliveryListener() {
          @Override
          public void staleCompletionDiscarded(Delivery d, Outcome o) {
            staleSeen.add(d.notificationKey());
          }
        })
        .build();
    stuck.start();
    await(() -> stuckTransport.total() == 1, "the first instance sent it");

    CountingTransport survivorTransport = new CountingTransport(Channel.FCM)
        .answering(d -> CompletableFuture.completedFuture(new Outcome.Delivered("by-survivor")));
    survivor = Herald.builder().store(fx.another(b -> b)).transport(survivorTransport).instanceId("survivor")
        .lease(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).build();
    survivor.start();
    await(() -> fx.outbox.find("crash-1").orElseThrow().state() == DeliveryState.DELIVERED, "reclaimed and delivered");

    hanging.complete(new Outcome.Delivered("late-from-stuck"));
    await(() -> staleSeen.contains("crash-1"), "the stale completion was reported");

    NotificationStatus s = fx.outbox.find("crash-1").orElseThrow();
    assertThat(s.state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(s.deliveries().get(0).providerId()).isEqualTo("by-survivor");
    assertThat(s.deliveries().get(0).attempts()).isEqualTo(1);
    assertThat(stuckTransport.total()).isEqualTo(1);
    assertThat(survivorTransport.total()).isEqualTo(1);
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(20);
    }
  }
}
