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
import dev.herald.webpush.VapidKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's guarantees "no loss", "no concurrent double send" and "effectively exactly-once"
 * under {@code kill -9}: engines run as separate JVMs on one
 * PostgreSQL outbox while a driver enqueues; a random engine is killed with SIGKILL at a random
 * moment and restarted, again and again. At the end nothing is lost, every key shows exactly one
 * notification on its device (counted by display tag), and the sends beyond one per key are at most
 * the deliveries the killed engines held at the moment they died.
 *
 * <p>CI size: 6,000 notifications, 2 engines, at least 10 kills. Full size ({@code -Dherald.reliability.full=true}):
 * 50,000 notifications, at least 25 kills. Each can be overridden with {@code herald.reliability.crash.*}.
 */
class CrashLoopTest {
  private static final boolean FULL = Boolean.getBoolean("herald.reliability.full");
  private static final int N = Integer.getInteger("herald.reliability.crash.notifications", FULL ? 50_000 : 6_000);
  private static final int KILLS = Integer.getInteger("herald.reliability.crash.kills", FULL ? 25 : 10);
  private static final int ENGINES = Integer.getInteger("herald.reliability.crash.engines", 2);
  private static final int RECIPIENTS = 200;
  private static final int BURST = FULL ? 100 : 150;
  /** Pause between bursts: the CI load spans about ten kill-and-restart cycles, the full one about 200 s. */
  private static final long BURST_EVERY_MILLIS = Long.getLong("herald.reliability.crash.burstMillis", FULL ? 400 : 1_100);
  private static final Duration LEASE = Duration.ofSeconds(15);

  /** One kill: who, when, and what it held. */
  private record Kill(String instanceId, long atNanos, long inFlight) {}

  @Test
  @Timeout(value = 60, unit = TimeUnit.MINUTES)
  void killNineLosesNothingAndDuplicatesStayWithinWhatWasInFlight() throws Exception {
    Figures fig = new Figures(FULL ? "crash-loop-full" : "crash-loop");
    Path dir = Path.of("target", "reliability", "crash-loop");
    Files.createDirectories(dir);
    Ledger ledger = new Ledger(false);
    VapidKeys vapid = VapidKeys.generate();
    Random random = new Random(Long.getLong("herald.reliability.seed", System.nanoTime()));
    List<EngineProcess> engines = new ArrayList<>();
    ScheduledExecutorService tracker = Executors.newSingleThreadScheduledExecutor();
    try (TestPostgres db = TestPostgres.create();
        Devices devices = new Devices(ledger, vapid.publicKeyBase64Url())) {
      HikariDataSource ds = db.pool("driver", 4);
      JdbcOutbox outbox = Stacks.outbox(ds);
      outbox.migrate();
      OutboxProbe probe = new OutboxProbe(ds);
      Stacks.registerMembers(outbox, devices, RECIPIENTS);
      Map<String, String> settings = EngineProcess.settings(dir, db.url(), vapid, devices.fcm(),
          Map.of("leaseMillis", Long.toString(LEASE.toMillis())));
      for (int i = 1; i <= ENGINES; i++) {
        engines.add(new EngineProcess("e" + i, dir, settings));
      }
      for (EngineProcess e : engines) {
        e.start();
      }
      for (EngineProcess e : engines) {
        e.awaitReady(Duration.ofMinutes(2));
      }

      // The driver: bursts of notifications, paced so that the load spans the kills.
      Set<String> enqueued = ConcurrentHashMap.newKeySet();
      AtomicBoolean driverDone = new AtomicBoolean();
      AtomicLong enqueueRetries = new AtomicLong();
      AtomicLong lastBurst = new AtomicLong();
      long started = System.nanoTime();
      Thread driver = new Thread(() -> {
        for (int i = 0; i < N; i += BURST) {
          List<Notification> batch = new ArrayList<>();
          for (int j = i; j < Math.min(N, i + BURST); j++) {
            batch.add(Stacks.note("order-" + j + ":shipped", "member-" + (j % RECIPIENTS)));
          }
          // The host retries a failed enqueue with the same keys; idempotency makes that safe.
          Waits.retrying(Duration.ofMinutes(5), "enqueue", () -> {
            try {
              return outbox.enqueueAll(batch);
            } catch (RuntimeException e) {
              enqueueRetries.incrementAndGet();
              throw e;
            }
          });
          batch.forEach(n -> enqueued.add(n.idempotencyKey()));
          lastBurst.set(System.nanoTime());
          Waits.sleep(BURST_EVERY_MILLIS);
        }
        driverDone.set(true);
      }, "driver");
      driver.start();

      // The crash loop.
      List<Kill> kills = Collections.synchronizedList(new ArrayList<>());
      Map<String, Long> pendingRecovery = new ConcurrentHashMap<>();
      List<Duration> recoveries = Collections.synchronizedList(new ArrayList<>());
      tracker.scheduleWithFixedDelay(() -> pendingRecovery.forEach((id, at) -> {
        try {
          if (probe.inFlightOf(id) == 0 && pendingRecovery.remove(id) != null) {
            recoveries.add(Duration.ofNanos(System.nanoTime() - at));
          }
        } catch (RuntimeException ignored) {
          // try again next round
        }
      }), 200, 200, TimeUnit.MILLISECONDS);
      while (kills.size() < KILLS || !driverDone.get()) {
        Waits.sleep(500 + random.nextInt(3_500));
        // Aim at a random moment while the engines work on a burst (idle engines hold nothing).
        long after = System.nanoTime();
        if (!driverDone.get()) {
          Waits.until(Duration.ofSeconds(30), () -> lastBurst.get() > after || driverDone.get(), () -> "no burst");
          Waits.sleep(random.nextInt(400));
        }
        EngineProcess victim = engines.get(random.nextInt(engines.size()));
        String id = victim.kill();
        long at = System.nanoTime();
        // Let the server notice the dead connection (a commit already on the wire still lands).
        Waits.sleep(300);
        long held = probe.inFlightOf(id);
        kills.add(new Kill(id, at, held));
        if (held > 0) {
          pendingRecovery.put(id, at);
        }
        victim.startAndAwait(Duration.ofMinutes(2));
      }
      driver.join();
      fig.put("kill phase seconds", Duration.ofNanos(System.nanoTime() - started).toSeconds());

      Duration drain = Waits.until(Duration.ofMinutes(FULL ? 30 : 6), () -> probe.open() == 0 && pendingRecovery.isEmpty(),
          () -> "open work " + probe.open() + ", deliveries by state " + probe.deliveriesByState()
              + ", dead instances still holding deliveries " + pendingRecovery.keySet());
      long total = System.nanoTime() - started;
      engines.forEach(EngineProcess::stop);

      long inFlightAtCrashes = kills.stream().mapToLong(Kill::inFlight).sum();
      long duplicates = ledger.duplicatesBeyondOne();
      long lost = probe.lost() + (N - probe.notifications());
      Set<String> keys = new HashSet<>(enqueued);
      Set<String> deliveredButNeverSeen = new HashSet<>(keys);
      deliveredButNeverSeen.removeAll(ledger.acceptedKeys());
      List<Duration> sortedRecoveries = new ArrayList<>(recoveries);
      Collections.sort(sortedRecoveries);
      List<Duration> starts = engines.stream().flatMap(e -> e.startTimes().stream()).sorted().toList();

      fig.put("notifications", N);
      fig.put("engines", ENGINES);
      fig.put("kills", kills.size());
      fig.put("kills with deliveries in flight", kills.stream().filter(k -> k.inFlight() > 0).count());
      fig.put("deliveries in flight at the crashes (sum)", inFlightAtCrashes);
      fig.put("in flight per kill", kills.stream().map(Kill::inFlight).toList());
      fig.put("enqueued (driver)", enqueued.size());
      fig.put("enqueue retries (host side)", enqueueRetries.get());
      fig.put("lost", lost);
      fig.put("deliveries by state", probe.deliveriesByState());
      fig.put("keys delivered (outbox)", probe.deliveredKeys());
      fig.put("requests at the push services", ledger.requests());
      fig.put("accepted at the push services", ledger.accepted());
      fig.put("sends beyond one per key (duplicates)", duplicates);
      fig.put("keys not shown exactly once (by display tag)", ledger.keysNotVisibleExactlyOnce(keys));
      fig.put("requests carrying another id, tag or collapse key than their key's", ledger.collapseMismatches());
      fig.put("unreadable requests", ledger.unreadableRequests());
      // Until no delivery is leased to the dead instance any more: its lease expiring, then a survivor's claim.
      fig.put("recovery of a killed engine's deliveries, median (s)", sortedRecoveries.isEmpty() ? "n/a"
          : seconds(sortedRecoveries.get(sortedRecoveries.size() / 2)));
      fig.put("recovery of a killed engine's deliveries, max (s)", sortedRecoveries.isEmpty() ? "n/a"
          : seconds(sortedRecoveries.get(sortedRecoveries.size() - 1)));
      fig.put("engine start to ready, median (s)", seconds(starts.get(starts.size() / 2)));
      fig.put("drain after the last kill (s)", seconds(drain));
      fig.put("total seconds", Duration.ofNanos(total).toSeconds());
      fig.put("lease (s)", LEASE.toSeconds());
      fig.write();

      assertThat(kills).hasSizeGreaterThanOrEqualTo(KILLS);
      assertThat(enqueued).hasSize(N);
      assertThat(lost).as("lost notifications").isZero();
      assertThat(probe.deliveredKeys()).as("keys delivered").isEqualTo(N);
      assertThat(deliveredButNeverSeen).as("keys recorded as delivered that no push service took in").isEmpty();
      assertThat(ledger.keysNotVisibleExactlyOnce(keys)).as("keys not shown exactly once").isZero();
      assertThat(ledger.collapseMismatches()).isZero();
      assertThat(ledger.unreadableRequests()).isZero();
      assertThat(duplicates).as("sends beyond one per key vs deliveries in flight at the crashes")
          .isLessThanOrEqualTo(inFlightAtCrashes);
    } finally {
      tracker.shutdownNow();
      engines.forEach(EngineProcess::stop);
    }
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f", d.toMillis() / 1000.0);
  }
}
