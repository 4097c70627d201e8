package dev.herald.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Notification;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.reliability.support.EngineProcess;
import dev.herald.reliability.support.Devices;
import dev.herald.reliability.support.Figures;
import dev.herald.reliability.support.Ledger;
import dev.herald.reliability.support.OutboxProbe;
import dev.herald.reliability.support.Stacks;
import dev.herald.reliability.support.TestPostgres;
import dev.herald.reliability.support.Waits;
import dev.herald.testing.Reply;
import dev.herald.webpush.VapidKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A steady load with periodic faults (push-service 5xx bursts, 429 storms, answers slower than the
 * timeout, connection resets, dropped database connections) against two engine processes, which
 * report heap after a full collection, threads and open sockets every few seconds. At the end:
 * nothing lost, every key shown once, and the last third of the run uses no more heap, threads or
 * sockets than the first third (beyond a small margin).
 *
 * <p>{@link #shortSoak()} runs in the normal build (about a minute);
 * {@link #thirtyMinuteSoak()} is tagged {@code soak} and runs with
 * {@code -Dherald.test.tags.exclude=none} ({@code -Dherald.reliability.soak.minutes} changes its length).
 */
class SoakTest {
  private static final int RECIPIENTS = 100;
  /** Each engine process: 32 Web Push and 32 FCM sends in flight at most. */
  private static final int PER_ENGINE_IN_FLIGHT = 64;

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void shortSoak() throws Exception {
    soak("soak-short", Duration.ofSeconds(60), 30, Duration.ofSeconds(8), Duration.ofSeconds(3));
  }

  @Test
  @Tag("soak")
  @Timeout(value = 90, unit = TimeUnit.MINUTES)
  void thirtyMinuteSoak() throws Exception {
    soak("soak-30min", Duration.ofMinutes(Long.getLong("herald.reliability.soak.minutes", 30)), 50,
        Duration.ofSeconds(45), Duration.ofSeconds(15));
  }

  private void soak(String name, Duration length, int perSecond, Duration faultEvery, Duration statsEvery)
      throws Exception {
    Figures fig = new Figures(name);
    boolean longRun = length.compareTo(Duration.ofMinutes(10)) >= 0;
    Path dir = Path.of("target", "reliability", name);
    Files.createDirectories(dir);
    Ledger ledger = new Ledger(false);
    VapidKeys vapid = VapidKeys.generate();
    AtomicReference<Reply> webPushFault = new AtomicReference<>(Reply.accept());
    AtomicReference<Reply> fcmFault = new AtomicReference<>(Reply.accept());
    List<EngineProcess> engines = new ArrayList<>();
    AtomicBoolean driving = new AtomicBoolean(true);
    try (TestPostgres db = TestPostgres.create();
        Devices devices = new Devices(ledger, vapid.publicKeyBase64Url())) {
      devices.plan((s, k, a) -> s.equals("fcm") ? fcmFault.get() : webPushFault.get());
      HikariDataSource ds = db.pool("host", 3);
      JdbcOutbox outbox = Stacks.outbox(ds);
      outbox.migrate();
      OutboxProbe probe = new OutboxProbe(ds);
      Stacks.registerMembers(outbox, devices, RECIPIENTS);
      Map<String, String> settings = EngineProcess.settings(dir, db.url(), vapid, devices.fcm(),
          Map.of("callTimeoutMillis", "2000", "statsMillis", Long.toString(statsEvery.toMillis())));
      for (int i = 1; i <= 2; i++) {
        EngineProcess e = new EngineProcess("s" + i, dir, settings);
        engines.add(e);
        e.start();
      }
      for (EngineProcess e : engines) {
        e.awaitReady(Duration.ofMinutes(2));
      }

      Set<String> enqueued = ConcurrentHashMap.newKeySet();
      AtomicLong seq = new AtomicLong();
      Thread driver = new Thread(() -> {
        long next = System.nanoTime();
        while (driving.get()) {
          List<Notification> batch = new ArrayList<>();
          for (int i = 0; i < perSecond / 5; i++) {
            long n = seq.getAndIncrement();
            batch.add(Stacks.note("soak-" + n, "member-" + (n % RECIPIENTS)));
          }
          Waits.retrying(Duration.ofMinutes(5), "enqueue", () -> outbox.enqueueAll(batch));
          batch.forEach(b -> enqueued.add(b.idempotencyKey()));
          next += 200_000_000L;
          long sleep = (next - System.nanoTime()) / 1_000_000;
          if (sleep > 0) {
            Waits.sleep(sleep);
          }
        }
      }, "soak-driver");
      driver.start();

      List<Long> pgConnections = new ArrayList<>();
      Map<String, Integer> faultsInjected = new LinkedHashMap<>();
      long end = System.nanoTime() + length.toNanos();
      int cycle = 0;
      while (System.nanoTime() < end) {
        Waits.sleep(Math.min(faultEvery.toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        pgConnections.add(db.serverConnections());
        if (System.nanoTime() >= end) {
          break;
        }
        String kind;
        switch (cycle++ % 5) {
          case 0 -> {
            kind = "5xx burst with Retry-After";
            burst(webPushFault, fcmFault, retryAfter(503), retryAfter(500));
          }
          case 1 -> {
            kind = "429 storm (Web Push)";
            burst(webPushFault, fcmFault, retryAfter(429), Reply.accept());
          }
          case 2 -> {
            kind = "answers slower than the timeout";
            burst(webPushFault, fcmFault, Reply.accept().after(Duration.ofMillis(3_000)),
                Reply.accept().after(Duration.ofMillis(3_000)));
          }
          case 3 -> {
            kind = "connection resets";
            burst(webPushFault, fcmFault, Reply.dropConnection(), Reply.accept().cutMidBody());
          }
          default -> {
            kind = "database connections terminated";
            db.terminateConnections();
          }
        }
        faultsInjected.merge(kind, 1, Integer::sum);
      }
      driving.set(false);
      driver.join(60_000);
      Duration drain = Waits.until(Duration.ofMinutes(5), () -> probe.open() == 0,
          () -> "open " + probe.open() + ", by state " + probe.deliveriesByState());
      pgConnections.add(db.serverConnections());

      fig.put("length (s)", length.toSeconds());
      fig.put("load (notifications/s)", perSecond);
      fig.put("notifications", enqueued.size());
      fig.put("faults injected", faultsInjected);
      fig.put("lost", probe.lost());
      fig.put("dead", probe.dead());
      fig.put("deliveries by state", probe.deliveriesByState());
      fig.put("sends beyond one per key (duplicates)", ledger.duplicatesBeyondOne());
      fig.put("accepted but unanswered (slow, reset mid 2xx body)", ledger.acceptedUnanswered());
      fig.put("keys not shown exactly once (by display tag)", ledger.keysNotVisibleExactlyOnce(enqueued));
      fig.put("drain after the load (s)", drain.toSeconds());
      fig.put("database connections of the run, sampled", pgConnections);
      List<String> problems = new ArrayList<>();
      for (EngineProcess e : engines) {
        List<long[]> stats = e.stats();
        fig.put(e.instanceId() + " samples", stats.size());
        if (stats.size() < 6) {
          problems.add(e.instanceId() + " wrote only " + stats.size() + " samples");
          continue;
        }
        // Skip the first sample (warm-up: class loading, pools filling), then compare thirds.
        List<long[]> s = stats.subList(1, stats.size());
        int third = s.size() / 3;
        List<long[]> first = s.subList(0, third);
        List<long[]> last = s.subList(s.size() - third, s.size());
        long heapFirstMax = max(first, 1);
        long heapLastMin = min(last, 1);
        long threadsBase = min(first, 2);
        long threadsPeak = max(s, 2);
        long socketsBase = min(first, 3);
        long socketsPeak = max(s, 3);
        String id = e.instanceId();
        fig.put(id + " heap after GC MB: median first third -> last third, range", mb(median(first, 1)) + " -> "
            + mb(median(last, 1)) + ", " + mb(min(s, 1)) + " .. " + mb(max(s, 1)));
        fig.put(id + " threads: trough first third -> last third, median first -> last, range", min(first, 2) + " -> "
            + min(last, 2) + ", " + median(first, 2) + " -> " + median(last, 2) + ", " + min(s, 2) + " .. " + threadsPeak);
        fig.put(id + " open sockets: median first third -> last third, range", median(first, 3) + " -> "
            + median(last, 3) + ", " + min(s, 3) + " .. " + socketsPeak);
        // Heap after a full GC must come back down to where the run started.
        if (heapLastMin > heapFirstMax + 4L * 1024 * 1024) {
          problems.add(id + " heap after GC stayed above " + mb(heapLastMin) + " MB (start peak " + mb(heapFirstMax) + " MB)");
        }
        // The transports' thread pools and connections grow with sends in flight (slow answers hold
        // them) and shrink after 60 s idle: bounded by the in-flight limits, never beyond.
        if (threadsPeak > threadsBase + PER_ENGINE_IN_FLIGHT + 12) {
          problems.add(id + " threads peaked at " + threadsPeak + " (base " + threadsBase + ")");
        }
        if (socketsPeak > socketsBase + PER_ENGINE_IN_FLIGHT + 12) {
          problems.add(id + " sockets peaked at " + socketsPeak + " (base " + socketsBase + ")");
        }
        // Over a long run the base level must not rise. For threads that is the trough: the
        // transports' pools shrink back to it after 60 s without bursts, and a leak would raise it.
        // For heap and sockets it is the median: sockets dip while dropped database connections are
        // re-made, and both spike during fault bursts.
        if (longRun) {
          if (median(last, 1) > median(first, 1) * 5 / 4 + 2L * 1024 * 1024) {
            problems.add(id + " median heap after GC rose from " + mb(median(first, 1)) + " to " + mb(median(last, 1)) + " MB");
          }
          if (min(last, 2) > min(first, 2) + 5) {
            problems.add(id + " thread trough rose from " + min(first, 2) + " to " + min(last, 2));
          }
          if (median(last, 3) > median(first, 3) + 3) {
            problems.add(id + " median sockets rose from " + median(first, 3) + " to " + median(last, 3));
          }
        }
      }
      fig.put("stability problems", problems);
      fig.write();

      assertThat(probe.lost()).as("lost").isZero();
      assertThat(probe.dead()).as("dead").isZero();
      assertThat(probe.deliveredKeys()).isEqualTo(enqueued.size());
      assertThat(ledger.keysNotVisibleExactlyOnce(enqueued)).isZero();
      assertThat(ledger.duplicatesBeyondOne()).isLessThanOrEqualTo(ledger.acceptedUnanswered());
      assertThat(problems).as("heap, threads and sockets stable").isEmpty();
      assertThat(pgConnections.get(pgConnections.size() - 1)).as("database connections at the end")
          .isLessThanOrEqualTo(pgConnections.stream().mapToLong(Long::longValue).max().orElse(0));
      assertThat(pgConnections.stream().mapToLong(Long::longValue).max().orElse(0)).as("database connections")
          .isLessThanOrEqualTo(2 * (6 + 1) + 3 + 2); // two engine pools and listeners, the host pool, slack
    } finally {
      driving.set(false);
      webPushFault.set(Reply.accept());
      fcmFault.set(Reply.accept());
      engines.forEach(EngineProcess::stop);
    }
  }

  /** Turns a fault on for three seconds, in the background. */
  private static void burst(AtomicReference<Reply> webPush, AtomicReference<Reply> fcm, Reply w, Reply f) {
    webPush.set(w);
    fcm.set(f);
    Thread t = new Thread(() -> {
      Waits.sleep(3_000);
      webPush.set(Reply.accept());
      fcm.set(Reply.accept());
    }, "burst-end");
    t.setDaemon(true);
    t.start();
  }

  private static long median(List<long[]> s, int i) {
    long[] v = s.stream().mapToLong(a -> a[i]).sorted().toArray();
    return v.length == 0 ? 0 : v[v.length / 2];
  }

  private static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / 1024.0 / 1024.0);
  }

  private static long max(List<long[]> s, int i) {
    return s.stream().mapToLong(a -> a[i]).max().orElse(0);
  }

  private static long min(List<long[]> s, int i) {
    return s.stream().mapToLong(a -> a[i]).min().orElse(0);
  }

  private static Reply retryAfter(int status) {
    return Reply.status(status).withRetryAfter(Duration.ofSeconds(1));
  }
}
