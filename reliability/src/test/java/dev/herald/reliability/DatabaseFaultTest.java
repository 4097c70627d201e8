package dev.herald.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Notification;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.reliability.support.Devices;
import dev.herald.reliability.support.Figures;
import dev.herald.reliability.support.Ledger;
import dev.herald.reliability.support.OutboxProbe;
import dev.herald.reliability.support.Stacks;
import dev.herald.reliability.support.TestPostgres;
import dev.herald.reliability.support.Waits;
import dev.herald.testing.RecordingListener;
import dev.herald.webpush.VapidKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The guarantee "no loss" across database faults: while a driver enqueues and two engines (each with
 * its own pool and outbox, as two application instances) deliver, the PostgreSQL server is killed
 * with {@code kill -9} and started again, then restarted cleanly, then every connection to the
 * test's database is terminated. The engines must carry on by themselves (no restart), nothing may
 * be lost; duplicates are counted and reported.
 *
 * <p>The server is shared with everyone on the machine: the outages are kept to about two seconds
 * each, and the server is started again whatever happens.
 */
class DatabaseFaultTest {
  private static final int RECIPIENTS = 60;
  private static final Duration OUTAGE = Duration.ofSeconds(2);

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void enginesRideOutServerCrashesRestartsAndDroppedConnections() throws Exception {
    TestPostgres.serverUrl();
    Assumptions.assumeTrue(TestPostgres.canControlServer(), "scripts/pg is needed to restart the server");
    Figures fig = new Figures("database-faults");
    Ledger ledger = new Ledger(false);
    VapidKeys vapid = VapidKeys.generate();
    List<JdbcHerald> engines = new ArrayList<>();
    List<RecordingListener> listeners = new ArrayList<>();
    AtomicBoolean driving = new AtomicBoolean(true);
    Thread driver = null;
    try (TestPostgres db = TestPostgres.create();
        Devices devices = new Devices(ledger, vapid.publicKeyBase64Url())) {
      try {
      HikariDataSource hostPool = db.pool("host", 4);
      JdbcOutbox hostOutbox = Stacks.outbox(hostPool);
      hostOutbox.migrate();
      OutboxProbe probe = new OutboxProbe(hostPool);
      Stacks.registerMembers(hostOutbox, devices, RECIPIENTS);
      for (int i = 1; i <= 2; i++) {
        RecordingListener l = new RecordingListener();
        JdbcHerald h = Stacks.herald(db.pool("engine-" + i, 6), "db-engine-" + i).listener(l)
            .transport(Stacks.webPush(vapid, Duration.ofSeconds(10), 32))
            .transport(Stacks.fcm(devices.fcm().serviceAccountJson(), devices.fcm().baseUrl(), Duration.ofSeconds(10), 32)).build();
        h.start();
        listeners.add(l);
        engines.add(h);
      }
      Waits.until(Duration.ofSeconds(30), () -> listening(engines), () -> "not listening");

      // The host: 20 notifications every 200 ms; a failed enqueue is retried with the same keys.
      Set<String> enqueued = ConcurrentHashMap.newKeySet();
      AtomicLong enqueueFailures = new AtomicLong();
      AtomicLong seq = new AtomicLong();
      driver = new Thread(() -> {
        while (driving.get()) {
          List<Notification> batch = new ArrayList<>();
          for (int i = 0; i < 20; i++) {
            long n = seq.getAndIncrement();
            batch.add(Stacks.note("event-" + n, "member-" + (n % RECIPIENTS)));
          }
          while (true) {
            try {
              hostOutbox.enqueueAll(batch);
              break;
            } catch (RuntimeException e) {
              enqueueFailures.incrementAndGet();
              Waits.sleep(200);
            }
          }
          batch.forEach(b -> enqueued.add(b.idempotencyKey()));
          Waits.sleep(200);
        }
      }, "host-driver");
      driver.start();

      Map<String, Object> faults = new LinkedHashMap<>();
      Waits.sleep(4_000);
      faults.put("kill -9", fault(db, probe, ledger, listeners, engines, hostOutbox, enqueued, "kill", () -> {
        TestPostgres.killServer();
        Waits.sleep(OUTAGE.toMillis());
        TestPostgres.ensureServerRunning();
      }));
      Waits.sleep(4_000);
      faults.put("clean restart", fault(db, probe, ledger, listeners, engines, hostOutbox, enqueued, "restart",
          TestPostgres::restartServer));
      Waits.sleep(4_000);
      faults.put("connections terminated", fault(db, probe, ledger, listeners, engines, hostOutbox, enqueued, "terminate",
          db::terminateConnections));
      Waits.sleep(3_000);
      driving.set(false);
      driver.join(60_000);

      Duration drain = Waits.until(Duration.ofMinutes(3), () -> probe.open() == 0,
          () -> "open " + probe.open() + ", by state " + probe.deliveriesByState());
      long stale = listeners.stream().mapToLong(l -> l.events("stale").size()).sum();
      fig.put("faults", faults);
      fig.put("notifications enqueued", enqueued.size());
      fig.put("notifications in the outbox", probe.notifications());
      fig.put("enqueue failures retried by the host", enqueueFailures.get());
      fig.put("lost", probe.lost());
      fig.put("deliveries by state", probe.deliveriesByState());
      fig.put("sends beyond one per key (duplicates)", ledger.duplicatesBeyondOne());
      fig.put("stale completions discarded (fenced)", stale);
      fig.put("keys not shown exactly once (by display tag)", ledger.keysNotVisibleExactlyOnce(enqueued));
      fig.put("drain after the last fault (s)", drain.toSeconds());
      fig.write();

      assertThat(probe.notifications()).as("every enqueued notification is in the outbox").isEqualTo(enqueued.size());
      assertThat(probe.lost()).as("lost").isZero();
      assertThat(probe.deliveredKeys()).isEqualTo(enqueued.size());
      assertThat(ledger.acceptedKeys()).containsAll(enqueued);
      assertThat(ledger.keysNotVisibleExactlyOnce(enqueued)).isZero();
      // fault() itself fails the test when an engine does not deliver again by itself.
      } finally {
        driving.set(false);
        if (driver != null) {
          driver.join(30_000);
        }
        engines.forEach(JdbcHerald::close);
      }
    } finally {
      TestPostgres.ensureServerRunning();
    }
  }

  /** Injects one fault and measures the recovery. */
  private static Map<String, Object> fault(TestPostgres db, OutboxProbe probe, Ledger ledger,
      List<RecordingListener> listeners, List<JdbcHerald> engines, JdbcOutbox host, Set<String> enqueued, String name,
      Runnable inject) {
    long inFlightBefore = probe.inFlight();
    List<Integer> deliveredBefore = listeners.stream().map(l -> l.events("delivered").size()).toList();
    long start = System.nanoTime();
    inject.run();
    long up = System.nanoTime();
    // A notification enqueued the moment the database is back: how long until a device has it?
    String marker = "marker-" + name;
    enqueued.add(marker);
    Waits.retrying(Duration.ofSeconds(60), "enqueue " + marker, () -> host.enqueue(Stacks.note(marker, "member-0")));
    Waits.until(Duration.ofSeconds(90), () -> ledger.accepted(marker) > 0,
        () -> marker + " not delivered after the " + name);
    long pickUp = System.nanoTime() - up;
    Waits.until(Duration.ofSeconds(60), () -> listening(engines),
        () -> "LISTEN not re-established after the " + name);
    long listening = System.nanoTime() - up;
    Waits.until(Duration.ofSeconds(90), () -> {
      for (int i = 0; i < listeners.size(); i++) {
        if (listeners.get(i).events("delivered").size() <= deliveredBefore.get(i)) {
          return false;
        }
      }
      return true;
    }, () -> "an engine did not deliver again after the " + name);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("outage (s)", secs(up - start));
    m.put("in flight just before", inFlightBefore);
    m.put("marker enqueued when the database was back, delivered within (s)", secs(pickUp));
    m.put("LISTEN re-established within (s)", secs(listening));
    m.put("both engines delivering again within (s)", secs(System.nanoTime() - up));
    return m;
  }

  /** Whether every engine's outbox listens for wake-ups (LISTEN) again. */
  private static boolean listening(List<JdbcHerald> engines) {
    return engines.stream().allMatch(e -> e.outbox().listening());
  }

  private static String secs(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.2f", nanos / 1e9);
  }
}
