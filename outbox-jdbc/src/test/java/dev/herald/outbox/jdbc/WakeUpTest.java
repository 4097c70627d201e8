package dev.herald.outbox.jdbc;

import static dev.herald.outbox.jdbc.testing.Fixture.toDevice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.DeviceTarget;
import dev.herald.store.OutboxStore;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Wake-ups: in-process after an own-transaction enqueue, and across instances through LISTEN/NOTIFY. */
class WakeUpTest {
  Fixture fx;

  @AfterEach
  void tearDown() {
    if (fx != null) {
      fx.close();
    }
  }

  @Test
  void ownTransactionEnqueueWakesLocalSubscribersOnH2() throws Exception {
    fx = new Fixture(Db.H2);
    LinkedBlockingQueue<Long> wakes = new LinkedBlockingQueue<>();
    try (OutboxStore.Running sub = fx.outbox.start(() -> wakes.add(System.nanoTime()))) {
      fx.outbox.enqueue(toDevice("local"));
      assertThat(wakes.poll(1, TimeUnit.SECONDS)).isNotNull();
      fx.outbox.enqueue(toDevice("local"));
      assertThat(wakes.poll(200, TimeUnit.MILLISECONDS)).as("a duplicate creates nothing to wake for").isNull();
    }
    fx.outbox.enqueue(toDevice("after-unsubscribe"));
    assertThat(wakes.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void commitOnAnotherInstanceWakesTheSubscriberWithinMilliseconds() throws Exception {
    fx = new Fixture(Db.POSTGRESQL);
    JdbcOutbox engineSide = fx.another(b -> b);
    LinkedBlockingQueue<Long> wakes = new LinkedBlockingQueue<>();
    try (OutboxStore.Running sub = engineSide.start(() -> wakes.add(System.nanoTime()))) {
      awaitListening(engineSide);
      wakes.clear();

      long before = System.nanoTime();
      fx.outbox.enqueue(toDevice("remote"));
      Long woke = wakes.poll(5, TimeUnit.SECONDS);

      assertThat(woke).as("woken by NOTIFY").isNotNull();
      assertThat(Duration.ofNanos(woke - before)).isLessThan(Duration.ofSeconds(1));
    }
  }

  @Test
  void rolledBackEnqueueWakesNobody() throws Exception {
    fx = new Fixture(Db.POSTGRESQL);
    JdbcOutbox engineSide = fx.another(b -> b);
    LinkedBlockingQueue<Long> wakes = new LinkedBlockingQueue<>();
    try (OutboxStore.Running sub = engineSide.start(() -> wakes.add(System.nanoTime()))) {
      awaitListening(engineSide);
      wakes.clear();
      try (Connection c = fx.database.dataSource().getConnection()) {
        c.setAutoCommit(false);
        fx.outbox.enqueue(c, toDevice("never"));
        c.rollback();
      }
      assertThat(wakes.poll(500, TimeUnit.MILLISECONDS)).isNull();

      try (Connection c = fx.database.dataSource().getConnection()) {
        c.setAutoCommit(false);
        fx.outbox.enqueue(c, toDevice("committed"));
        assertThat(wakes.poll(300, TimeUnit.MILLISECONDS)).as("not before commit").isNull();
        c.commit();
      }
      assertThat(wakes.poll(5, TimeUnit.SECONDS)).as("at commit").isNotNull();
    }
  }

  @Test
  void scheduledFarAheadSendsNoWakeUp() throws Exception {
    fx = new Fixture(Db.POSTGRESQL);
    JdbcOutbox engineSide = fx.another(b -> b);
    LinkedBlockingQueue<Long> wakes = new LinkedBlockingQueue<>();
    try (OutboxStore.Running sub = engineSide.start(() -> wakes.add(System.nanoTime()))) {
      awaitListening(engineSide);
      wakes.clear();
      fx.outbox.enqueue(Notification.builder("tomorrow").recipient(Recipient.device(new DeviceTarget.FcmToken("t")))
          .title("x").notBefore(java.time.Instant.now().plus(Duration.ofDays(1))).build());
      assertThat(wakes.poll(500, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void listenerReconnectsByItselfAfterItsConnectionIsKilled() throws Exception {
    fx = new Fixture(Db.POSTGRESQL);
    JdbcOutbox engineSide = fx.another(b -> b);
    LinkedBlockingQueue<Long> wakes = new LinkedBlockingQueue<>();
    try (OutboxStore.Running sub = engineSide.start(() -> wakes.add(System.nanoTime()))) {
      awaitListening(engineSide);
      try (Connection c = fx.database.dataSource().getConnection(); Statement s = c.createStatement()) {
        int killed = 0;
        try (var rs = s.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
            + " AND query = 'LISTEN " + fx.prefix + "outbox'")) {
          while (rs.next()) {
            killed++;
          }
        }
        assertThat(killed).isEqualTo(1);
      }
      // It notices, reconnects, and wakes once for whatever it may have missed.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      wakes.clear();
      while (wakes.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(wakes).as("woken after reconnecting").isNotEmpty();
      awaitListening(engineSide);
      wakes.clear();
      fx.outbox.enqueue(toDevice("after-reconnect"));
      assertThat(wakes.poll(5, TimeUnit.SECONDS)).isNotNull();
    }
  }

  private static void awaitListening(JdbcOutbox o) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!o.listening()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the listener did not connect");
      }
      Thread.sleep(10);
    }
  }
}
