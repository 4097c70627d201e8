package dev.herald.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.EnqueueResult;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.testing.CountingTransport;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.outbox.jdbc.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL server restarts while two engines dispatch and a producer enqueues: everything
 * recovers by itself and nothing is lost. Uses {@code scripts/pg restart} (the project's private
 * server); against any other server it simulates the restart inside its own test database
 * (terminates every session and refuses connections for a second), which clients see the same way.
 */
class PostgresRestartTest {
  static final int TOTAL = 3_000;

  Fixture fx;
  final List<Herald> engines = new ArrayList<>();

  @AfterEach
  void tearDown() {
    engines.forEach(Herald::close);
    if (fx != null) {
      fx.close();
    }
  }

  @Test
  void enginesAndProducerRecoverFromAServerRestartAndNothingIsLost() throws Exception {
    fx = new Fixture(Db.POSTGRESQL);
    Map<Long, AtomicInteger> sends = new ConcurrentHashMap<>();
    for (int i = 0; i < 2; i++) {
      Herald h = Herald.builder().store(fx.another(b -> b)).transport(new CountingTransport(Channel.FCM, sends))
          .instanceId("engine-" + i).batchSize(50).maxInFlightPerChannel(100)
          .pollInterval(Duration.ofMillis(200)).lease(Duration.ofSeconds(5)).build();
      engines.add(h);
      h.start();
    }

    int failedEnqueues = 0;
    Thread restarter = null;
    for (int i = 0; i < TOTAL; i += 100) {
      if (i == TOTAL / 3) {
        // Restart from another thread so the producer and the engines are mid-call when it happens.
        restarter = new Thread(() -> {
          try {
            restartServer();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, "restarter");
        restarter.start();
      }
      List<Notification> batch = new ArrayList<>();
      for (int j = i; j < i + 100; j++) {
        batch.add(Notification.builder("k-" + j).recipient(Recipient.device(new DeviceTarget.FcmToken("d-" + j)))
            .title("t").build());
      }
      // A producer that retries a failed enqueue relies on the idempotency key not to duplicate.
      while (true) {
        try {
          List<EnqueueResult> rs = fx.outbox.enqueueAll(batch);
          assertThat(rs).hasSize(100);
          break;
        } catch (OutboxException e) {
          failedEnqueues++;
          Thread.sleep(100);
        }
      }
      Thread.sleep(20);
    }

    restarter.join();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    long delivered = 0;
    while (System.nanoTime() < deadline) {
      try {
        delivered = fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE state = 2");
      } catch (IllegalStateException e) {
        delivered = -1; // the server may still be coming back
      }
      if (delivered == TOTAL) {
        break;
      }
      Thread.sleep(200);
    }
    engines.forEach(Herald::close);

    assertThat(delivered).as("every notification delivered").isEqualTo(TOTAL);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}notification")).isEqualTo(TOTAL);
    assertThat(sends).hasSize(TOTAL);
    int extra = sends.values().stream().mapToInt(AtomicInteger::get).sum() - TOTAL;
    // A send can only repeat if its outcome was lost with the server; at most what was in flight.
    assertThat(extra).isBetween(0, 200);
    System.out.printf("restart test: %d enqueue retries, %d repeated sends%n", failedEnqueues, extra);
  }

  private void restartServer() throws Exception {
    Thread.sleep(50);
    Path script = Path.of(System.getProperty("user.dir")).resolve("../scripts/pg").normalize();
    Matcher m = Pattern.compile("jdbc:postgresql://(127\\.0\\.0\\.1|localhost):(\\d+)/.*").matcher(TestDatabase.pgUrl());
    if (Files.isExecutable(script) && m.matches()) {
      ProcessBuilder pb = new ProcessBuilder(script.toString(), "restart").inheritIO();
      pb.environment().put("HERALD_PG_PORT", m.group(2));
      Process p = pb.start();
      assertThat(p.waitFor()).as("scripts/pg restart exit code").isZero();
    } else {
      simulateRestart();
    }
  }

  private void simulateRestart() throws Exception {
    String name = fx.database.name();
    try (Connection c = DriverManager.getConnection(TestDatabase.pgUrl()); Statement s = c.createStatement()) {
      s.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
      s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
      Thread.sleep(1_000);
      s.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
    }
  }
}
