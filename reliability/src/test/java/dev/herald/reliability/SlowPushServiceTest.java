package dev.herald.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.EngineCounters;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.fcm.FcmTransport;
import dev.herald.fcm.ServiceAccount;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.reliability.support.Devices;
import dev.herald.reliability.support.Figures;
import dev.herald.reliability.support.H2;
import dev.herald.reliability.support.Ledger;
import dev.herald.reliability.support.OutboxProbe;
import dev.herald.reliability.support.Stacks;
import dev.herald.reliability.support.Waits;
import dev.herald.testing.Reply;
import dev.herald.webpush.VapidKeys;
import dev.herald.webpush.WebPushTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Guarantee 4 (no concurrent double send) against a push service that is merely slow, issue 12's
 * item 0: it answers every request (accepting it) shortly before the client's call timeout. Nothing
 * crashes, so every key must reach the push services exactly once: the engine may not claim more
 * than the transports send at once (the rest would wait in OkHttp's queue while its lease runs out),
 * and no send may leave after its claim's lease. Before the fix, 300 notifications made 1,152
 * requests in 7 minutes with default settings, and 172 were re-sent every 75-100 s for ever.
 *
 * <p>The outbox is an in-memory H2 (the subject is the engine and the transports).
 */
class SlowPushServiceTest {
  private static final boolean FULL = Boolean.getBoolean("herald.reliability.full");
  private static final int RECIPIENTS = 40;

  /**
   * Default engine and transport settings (lease 60 s, 256 per channel, Web Push 64 and FCM 100 at
   * once, call timeouts 30 s); every answer comes after 25 s.
   */
  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void answersNearTheCallTimeoutWithDefaultSettingsReachEachKeyOnce() {
    run("slow-push-service", FULL ? 1_000 : 400, Duration.ofSeconds(25), b -> b, w -> w, f -> f, Duration.ofMinutes(FULL ? 12 : 6));
  }

  /**
   * The second case: a short lease (4 s) with answers after 1.5 s. With a 3.2 s call timeout
   * (a lease must be at least 1.25 times it, or the engine refuses to build; the default 30 s is
   * refused) a send may start only in the first 0.4 s of a claim; later ones are put back at once,
   * never sent late. The call timeout leaves 1.7 s beyond the answer, so that a loaded machine does
   * not turn a slow answer into a timeout (and its retry into a repeat, which is not this test's subject).
   */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aShortLeaseWithAnswersNearItReachesEachKeyOnce() {
    run("slow-push-service-short-lease", FULL ? 1_000 : 300, Duration.ofMillis(1_500), b -> b.lease(Duration.ofSeconds(4)),
        w -> w.callTimeout(Duration.ofMillis(3_200)).connectTimeout(Duration.ofSeconds(3)),
        f -> f.requestTimeout(Duration.ofMillis(3_200)), Duration.ofMinutes(3));
  }

  private void run(String name, int notifications, Duration answerAfter, UnaryOperator<Herald.Builder> engine,
      UnaryOperator<WebPushTransport.Builder> webPushSettings, UnaryOperator<FcmTransport.Builder> fcmSettings,
      Duration budget) {
    Figures fig = new Figures(name);
    Ledger ledger = new Ledger(true);
    VapidKeys vapid = VapidKeys.generate();
    try (HikariDataSource ds = H2.create("slow");
        Devices devices = new Devices(ledger, vapid.publicKeyBase64Url())) {
      devices.plan((service, key, n) -> Reply.accept().after(answerAfter));
      JdbcOutbox outbox = Stacks.outbox(ds);
      outbox.migrate();
      OutboxProbe probe = new OutboxProbe(ds);
      Stacks.registerMembers(outbox, devices, RECIPIENTS);
      WebPushTransport wp = webPushSettings.apply(WebPushTransport.builder().vapidKeys(vapid).subject(Stacks.SUBJECT)
          .endpointPolicy(Stacks.loopbackPolicy())).build();
      FcmTransport f = fcmSettings.apply(FcmTransport.builder().serviceAccount(ServiceAccount.fromJson(devices.fcm().serviceAccountJson()))
          .baseUrl(devices.fcm().baseUrl())).build();
      Herald herald = engine.apply(Herald.builder().store(outbox).deviceRegistry(outbox).instanceId(name)
          .transport(wp).transport(f)).build();
      List<String> keys = new ArrayList<>();
      List<Notification> batch = new ArrayList<>();
      for (int i = 0; i < notifications; i++) {
        String key = name + ":" + i;
        keys.add(key);
        batch.add(Stacks.note(key, "member-" + (i % RECIPIENTS)));
      }
      long start = System.nanoTime();
      EngineCounters counters;
      try {
        herald.start();
        outbox.enqueueAll(batch);
        herald.wakeUp();
        Waits.until(budget, () -> probe.open() == 0, () -> "open " + probe.open() + " by state " + probe.deliveriesByState()
            + ", requests " + ledger.requests() + ", counters " + herald.counters());
      } finally {
        counters = herald.counters();
        herald.close();
        outbox.close();
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      int maxRequests = keys.stream().mapToInt(ledger::requests).max().orElse(0);

      fig.put("notifications", notifications);
      fig.put("answer after (ms)", answerAfter.toMillis());
      fig.put("requests", ledger.requests());
      fig.put("most requests for one key", maxRequests);
      fig.put("sends beyond one per key (duplicates)", ledger.duplicatesBeyondOne());
      fig.put("deliveries by state", probe.deliveriesByState());
      fig.put("lost", probe.lost());
      fig.put("engine counters", counters);
      keys.stream().filter(k -> ledger.requests(k) > 1).limit(3)
          .forEach(k -> fig.put("history of " + k, ledger.history(k)));
      fig.put("all delivered after (s)", took.toSeconds());
      fig.write();

      assertThat(probe.lost()).as("lost").isZero();
      assertThat(probe.deliveredKeys()).as("keys delivered").isEqualTo(notifications);
      assertThat(maxRequests).as("requests for one key").isEqualTo(1);
      assertThat(ledger.duplicatesBeyondOne()).as("sends beyond one per key").isZero();
      assertThat(counters.outcomesAfterLeaseExpiry()).as("outcomes after their lease").isZero();
      assertThat(counters.sendsAbandoned()).as("sends abandoned").isZero();
    }
  }
}
