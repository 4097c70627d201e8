package dev.herald.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.EngineCounters;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.RetryPolicy;
import dev.herald.fcm.FcmTransport;
import dev.herald.fcm.ServiceAccount;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.reliability.support.CuttableDatabase;
import dev.herald.reliability.support.Figures;
import dev.herald.reliability.support.HostilePushService;
import dev.herald.reliability.support.OutboxProbe;
import dev.herald.reliability.support.Stacks;
import dev.herald.reliability.support.TcpProxy;
import dev.herald.reliability.support.TestPostgres;
import dev.herald.reliability.support.Waits;
import dev.herald.testing.LogCapture;
import dev.herald.testing.ScriptedTransport;
import dev.herald.testing.fcm.TestServiceAccount;
import dev.herald.testing.webpush.PushSubscriber;
import dev.herald.webpush.VapidKeys;
import dev.herald.webpush.WebPushTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * Issue 12's property: nothing a push service, a token endpoint or a database does may wedge the
 * engine. The real engine, outbox and transports run against a {@link HostilePushService} (Web Push,
 * FCM and its token endpoint answering anything at all) while the database is cut off at random
 * moments (a {@link TcpProxy} in front of it, so the shared server is never touched), on H2 and on
 * PostgreSQL. A third, well-behaved channel runs beside them. For every seed:
 *
 * <ul>
 *   <li>the well-behaved channel keeps recording while the other two are hostile;
 *   <li>once the services behave and the database is back, nothing is lost: every delivery ends, each
 *       one not delivered with a reason, and no channel holds a slot any more;
 *   <li>{@code close()} during an outage returns within the shutdown timeout plus a margin, and what
 *       it could not record is taken over by a new engine after the lease;
 *   <li>log lines per second stay bounded throughout.
 * </ul>
 *
 * <p>CI size: 2 seeds per database, a 10 s hostile phase each. {@code -Dherald.reliability.full=true}
 * makes the phase 60 s with five times the notifications.
 */
class HostileServicesProperties {
  private static final boolean FULL = Boolean.getBoolean("herald.reliability.full");
  private static final Duration HOSTILE_PHASE = Duration.ofSeconds(FULL ? 60 : 10);
  private static final int NOTIFICATIONS = FULL ? 500 : 100;
  private static final int RECIPIENTS = 12;
  private static final Duration CALL_TIMEOUT = Duration.ofMillis(1_500);
  private static final Duration LEASE = Duration.ofSeconds(5);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);
  /** What close() may take beyond its shutdown timeout on a loaded machine. */
  static final Duration CLOSE_MARGIN = Duration.ofMillis(1_500);
  /** Log entries in any one second (the defect this guards against wrote 34,000 a second). */
  static final long MAX_ENTRIES_PER_SECOND = 100;
  /** Lines on stderr in any one second, stack traces included. */
  static final long MAX_LINES_PER_SECOND = 1_000;
  private static final Channel SMS = Channel.of("sms");
  private static final Map<String, List<Object>> FIGURES = new LinkedHashMap<>();

  /** Skips the PostgreSQL property when no server is configured, as the suite's other PostgreSQL tests do. */
  static final class SkipWithoutPostgres implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
      return System.getProperty(TestPostgres.URL_PROPERTY, "").isBlank()
          ? SkipResult.skip("no PostgreSQL configured: run through scripts/test, or pass -D" + TestPostgres.URL_PROPERTY)
          : SkipResult.doNotSkip();
    }
  }

  @Property(tries = 2, shrinking = ShrinkingMode.OFF)
  void nothingWedgesTheEngineOnH2(@ForAll long seed) throws Exception {
    try (CuttableDatabase db = CuttableDatabase.h2("hostile")) {
      run("hostile-services-h2", db, seed);
    }
  }

  @Property(tries = 2, shrinking = ShrinkingMode.OFF)
  @AddLifecycleHook(SkipWithoutPostgres.class)
  void nothingWedgesTheEngineOnPostgres(@ForAll long seed) throws Exception {
    try (CuttableDatabase db = CuttableDatabase.postgres("hostile")) {
      run("hostile-services-postgresql", db, seed);
    }
  }

  private void run(String name, CuttableDatabase db, long seed) throws Exception {
    Random chaos = new Random(seed);
    TcpProxy proxy = db.proxy();
    OutboxProbe probe = new OutboxProbe(db.direct());
    Map<String, Object> fig = new LinkedHashMap<>();
    fig.put("seed", seed);
    try (HostilePushService hostile = new HostilePushService(seed); LogCapture logs = new LogCapture()) {
      JdbcOutbox outbox = Stacks.outbox(db.engineSide());
      outbox.migrate();
      String serviceAccount = TestServiceAccount.generate("hostile").json(hostile.baseUrl() + "/token");
      VapidKeys vapid = VapidKeys.generate();
      List<DeviceTarget> sms = new ArrayList<>();
      for (int r = 0; r < RECIPIENTS; r++) {
        outbox.register("member-" + r, PushSubscriber.generate().subscriptionAt(hostile.baseUrl() + "/push/m" + r));
        outbox.register("member-" + r, new DeviceTarget.FcmToken("tok_m" + r));
        DeviceTarget phone = new DeviceTarget.Custom(SMS, "+1555000" + r);
        outbox.register("member-" + r, phone);
        sms.add(phone);
      }
      Supplier<Herald> engine = () -> Herald.builder().store(outbox).deviceRegistry(outbox).instanceId("hostile-" + seed % 1000)
          .transport(WebPushTransport.builder().vapidKeys(vapid).subject(Stacks.SUBJECT).endpointPolicy(Stacks.loopbackPolicy())
              .connectTimeout(Duration.ofSeconds(1)).callTimeout(CALL_TIMEOUT).maxInFlight(16).build())
          .transport(FcmTransport.builder().serviceAccount(ServiceAccount.fromJson(serviceAccount)).baseUrl(hostile.baseUrl())
              .requestTimeout(CALL_TIMEOUT).maxInFlight(16).build())
          .transport(new ScriptedTransport(SMS))
          .pollInterval(Duration.ofMillis(100)).batchSize(50).maxInFlightPerChannel(32).lease(LEASE)
          .retryPolicy(RetryPolicy.builder().initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(1))
              .maxAttempts(10).maxAge(Duration.ofHours(1)).build())
          .channelPause(Duration.ofMillis(200)).maxChannelPause(Duration.ofSeconds(1)).shutdownTimeout(SHUTDOWN_TIMEOUT)
          .build();
      Herald herald = engine.get();
      herald.start();

      // 1. Hostile services, a host enqueueing, the database cut off at random moments.
      AtomicBoolean cutting = new AtomicBoolean(true);
      AtomicLong outageMillis = new AtomicLong();
      Thread cutter = new Thread(() -> {
        while (cutting.get()) {
          Waits.sleep(300 + chaos.nextInt(2_500));
          if (!cutting.get()) {
            break;
          }
          long down = 200 + chaos.nextInt(2_500);
          proxy.down();
          Waits.sleep(down);
          proxy.up();
          outageMillis.addAndGet(down);
        }
      }, "db-cutter");
      cutter.setDaemon(true);
      cutter.start();
      long hostileEnd = System.nanoTime() + HOSTILE_PHASE.toNanos();
      int enqueued = 0;
      long enqueueFailures = 0;
      while (System.nanoTime() < hostileEnd || enqueued < NOTIFICATIONS) {
        if (enqueued < NOTIFICATIONS) {
          List<Notification> batch = new ArrayList<>();
          for (int i = 0; i < 5 && enqueued + i < NOTIFICATIONS; i++) {
            batch.add(Stacks.note("h" + seed + "-" + (enqueued + i), "member-" + ((enqueued + i) % RECIPIENTS)));
          }
          try {
            outbox.enqueueAll(batch); // a failed enqueue is repeated with the same keys, as a host would
            enqueued += batch.size();
          } catch (RuntimeException e) {
            enqueueFailures++;
          }
        }
        Waits.sleep(Math.max(20, HOSTILE_PHASE.toMillis() / (NOTIFICATIONS / 5 + 1)));
      }
      cutting.set(false);
      cutter.join();
      proxy.up();

      // 2. The well-behaved channel records while the others are still hostile.
      for (int i = 0; i < 10; i++) {
        Notification n = Notification.builder("sms-" + seed + "-" + i).recipient(Recipient.device(sms.get(i % sms.size())))
            .title("t").build();
        Waits.retrying(Duration.ofSeconds(30), "enqueue", () -> outbox.enqueue(n));
      }
      Duration smsTook = Waits.until(Duration.ofSeconds(20), () -> probe.count(
          "SELECT count(*) FROM herald_delivery d JOIN herald_notification n ON n.id = d.notification_id"
              + " WHERE n.idempotency_key LIKE ? AND d.state = 2", "sms-" + seed + "-%") == 10,
          () -> "sms not recorded while the other channels are hostile: " + probe.deliveriesByState());
      fig.put("well-behaved channel recorded 10 within (ms)", smsTook.toMillis());

      // 3. The services behave again: everything ends, with a reason when not delivered; no slot is held.
      hostile.hostile(false);
      Duration healed = Waits.until(Duration.ofSeconds(60), () -> probe.open() == 0,
          () -> "still open " + probe.open() + " by state " + probe.deliveriesByState());
      Waits.until(Duration.ofSeconds(10), () -> herald.inFlight(Channel.WEB_PUSH) == 0 && herald.inFlight(Channel.FCM) == 0
          && herald.inFlight(SMS) == 0, () -> "slots held: web push " + herald.inFlight(Channel.WEB_PUSH) + ", fcm "
          + herald.inFlight(Channel.FCM) + ", sms " + herald.inFlight(SMS));
      assertThat(probe.lost()).as("lost after the hostile phase").isZero();
      fig.put("everything ended within (ms) once the services behaved", healed.toMillis());
      fig.put("deliveries by state", probe.deliveriesByState());

      // 4. close() while the database is unreachable and outcomes are waiting to be recorded.
      for (int i = 0; i < 20; i++) {
        outbox.enqueue(Stacks.note("c" + seed + "-" + i, "member-" + (i % RECIPIENTS)));
      }
      Waits.until(Duration.ofSeconds(10), () -> probe.inFlight() > 0, () -> "nothing claimed");
      proxy.down();
      Waits.sleep(300); // outcomes arrive and cannot be recorded
      long closeStart = System.nanoTime();
      herald.close();
      Duration closeTook = Duration.ofNanos(System.nanoTime() - closeStart);
      EngineCounters counters = herald.counters();
      proxy.up();
      fig.put("close() during an outage took (ms)", closeTook.toMillis());
      fig.put("left in flight by the closed engine", probe.inFlight());

      // 5. Another engine takes over what the closed one could not record, after the lease.
      Herald next = engine.get();
      next.start();
      try {
        Duration takeover = Waits.until(Duration.ofSeconds(60), () -> probe.open() == 0,
            () -> "still open after takeover " + probe.open() + " by state " + probe.deliveriesByState());
        Waits.until(Duration.ofSeconds(10), () -> next.inFlight(Channel.WEB_PUSH) == 0 && next.inFlight(Channel.FCM) == 0,
            () -> "slots held by the new engine");
        fig.put("new engine finished everything within (ms)", takeover.toMillis());
      } finally {
        next.close();
      }
      outbox.close();

      fig.put("notifications", probe.notifications());
      fig.put("enqueue attempts that failed (retried)", enqueueFailures);
      fig.put("database cut off (times, ms in all)", List.of(proxy.cuts(), outageMillis.get()));
      fig.put("hostile requests", hostile.requests());
      fig.put("answers", hostile.counts());
      fig.put("engine counters", counters);
      fig.put("log entries", logs.logLines());
      fig.put("log entries, peak per second", logs.peakLogLinesPerSecond());
      fig.put("stderr lines (stack traces included), peak per second", logs.peakLinesPerSecond());
      fig.put("lost", probe.lost());
      record(name, fig);

      assertThat(probe.lost()).as("lost").isZero();
      assertThat(closeTook).as("close() during an outage").isLessThanOrEqualTo(SHUTDOWN_TIMEOUT.plus(CLOSE_MARGIN));
      assertThat(logs.peakLogLinesPerSecond()).as("log entries in any one second").isLessThanOrEqualTo(MAX_ENTRIES_PER_SECOND);
      assertThat(logs.peakLinesPerSecond()).as("stderr lines in any one second").isLessThanOrEqualTo(MAX_LINES_PER_SECOND);
      assertThat(hostile.requests()).as("the services were exercised").isGreaterThan(NOTIFICATIONS);
    }
  }

  private static synchronized void record(String name, Map<String, Object> fig) {
    FIGURES.computeIfAbsent(name, k -> new ArrayList<>()).add(fig);
    Figures f = new Figures(name);
    List<Object> tries = FIGURES.get(name);
    for (int i = 0; i < tries.size(); i++) {
      f.put("try " + (i + 1), tries.get(i));
    }
    f.write();
  }
}
