package dev.herald.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.Notification;
import dev.herald.outbox.jdbc.DeadLetterQuery;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.reliability.support.Devices;
import dev.herald.reliability.support.Figures;
import dev.herald.reliability.support.H2;
import dev.herald.reliability.support.Ledger;
import dev.herald.reliability.support.OutboxProbe;
import dev.herald.reliability.support.Stacks;
import dev.herald.reliability.support.Waits;
import dev.herald.testing.Reply;
import dev.herald.testing.fcm.FakeFcm;
import dev.herald.testing.RecordingListener;
import dev.herald.webpush.VapidKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The guarantee "misconfiguration pauses, it does not burn": when the sender's own credentials fail, the channel pauses, alerts, and
 * keeps every message pending (no attempt counted, nothing dead-lettered), probes now and then,
 * and resumes by itself once the credentials work again.
 */
class CredentialFailureTest {
  private static final int MESSAGES = 60;
  private static final int DEVICES = 10;
  private static final Duration BROKEN_FOR = Duration.ofSeconds(8);

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void rotatedVapidKeyPausesWebPushWithoutDeadLettersAndResumesWhenFixed() {
    Ledger ledger = new Ledger(false);
    VapidKeys registered = VapidKeys.generate();
    VapidKeys rotated = VapidKeys.generate();
    try (HikariDataSource ds = H2.create("vapid");
        Devices devices = new Devices(ledger, registered.publicKeyBase64Url())) {
      RecordingListener events = new RecordingListener();
      // The host deployed a new VAPID key pair by mistake: the push service only knows the old one.
      JdbcHerald herald = engine(ds, events).transport(Stacks.webPush(rotated, Duration.ofSeconds(5), 16))
          .transport(Stacks.fcm(devices.fcm().serviceAccountJson(), devices.fcm().baseUrl(), Duration.ofSeconds(5), 16)).build();
      herald.migrate();
      for (int i = 0; i < DEVICES; i++) {
        herald.devices().register("member-" + i, devices.browser("m" + i));
      }
      run(herald, new OutboxProbe(ds), events, ledger, Channel.WEB_PUSH, "vapid-rotated",
          // The users' browsers subscribe again, with the key the host now signs with.
          () -> IntStream.range(0, DEVICES).forEach(i ->
              devices.webPush().rebind(devices.browserOf("m" + i), rotated.publicKeyBase64Url())),
          ledger::authRejections);
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void failingFcmTokenEndpointPausesFcmWithoutDeadLettersAndResumesWhenFixed() {
    Ledger ledger = new Ledger(false);
    VapidKeys vapid = VapidKeys.generate();
    try (HikariDataSource ds = H2.create("oauth");
        Devices devices = new Devices(ledger, vapid.publicKeyBase64Url())) {
      RecordingListener events = new RecordingListener();
      JdbcHerald herald = engine(ds, events).transport(Stacks.webPush(vapid, Duration.ofSeconds(5), 16))
          .transport(Stacks.fcm(devices.fcm().serviceAccountJson(), devices.fcm().baseUrl(), Duration.ofSeconds(5), 16)).build();
      herald.migrate();
      for (int i = 0; i < DEVICES; i++) {
        herald.devices().register("member-" + i, Devices.phone("m" + i));
      }
      // The service account key was revoked; halfway through, the token endpoint also falls over.
      devices.fcm().answerTokenRequests(FakeFcm.tokenError(400, "invalid_grant", "Invalid JWT Signature."));
      devices.fcm().revokeTokens();
      Thread worse = new Thread(() -> {
        Waits.sleep(BROKEN_FOR.toMillis() / 2);
        // An overloaded front end: 500 with a page.
        devices.fcm().answerTokenRequests(Reply.status(500).withHeader("Content-Type", "text/html")
            .withBody("<html><body>Internal Server Error</body></html>"));
      });
      worse.start();
      run(herald, new OutboxProbe(ds), events, ledger, Channel.FCM, "fcm-token-endpoint",
          () -> devices.fcm().answerTokenRequests(null), devices.fcm()::tokenRequestCount);
    }
  }

  private static JdbcHerald.Builder engine(HikariDataSource ds, RecordingListener events) {
    return Stacks.herald(ds, "credentials").listener(events)
        .channelPause(Duration.ofSeconds(1)).maxChannelPause(Duration.ofSeconds(4));
  }

  private static void run(JdbcHerald herald, OutboxProbe probe, RecordingListener events, Ledger ledger,
      Channel channel, String name, Runnable fix, java.util.function.LongSupplier failedCalls) {
    Figures fig = new Figures("credentials-" + name);
    Set<String> keys = new HashSet<>();
    List<Notification> batch = new ArrayList<>();
    for (int i = 0; i < MESSAGES; i++) {
      String key = name + ":" + i;
      keys.add(key);
      batch.add(Stacks.note(key, "member-" + (i % DEVICES)));
    }
    herald.enqueueAll(batch);
    herald.start();
    try {
      Duration toPause = Waits.until(Duration.ofSeconds(60), () -> herald.paused(channel),
          () -> "channel " + channel + " not paused; events " + events.events());
      long sendsAtPause = failedCalls.getAsLong();
      // Stay broken for a while: the engine must keep probing, not burn messages.
      Waits.sleep(BROKEN_FOR.toMillis());
      long failedDuringPause = failedCalls.getAsLong() - sendsAtPause;
      long deadWhileBroken = probe.dead();
      long attemptsWhileBroken = probe.count("SELECT COALESCE(MAX(attempts), 0) FROM herald_delivery");
      long pendingWhileBroken = probe.count("SELECT count(*) FROM herald_delivery WHERE state IN (0, 1)");
      long deliveredWhileBroken = probe.deliveredKeys();
      boolean pausedWhileBroken = herald.paused(channel);
      long fixedAt = System.nanoTime();
      fix.run();
      Duration toResume = Waits.until(Duration.ofSeconds(60), () -> !herald.paused(channel),
          () -> "channel " + channel + " did not resume; events " + events.events());
      Duration toDeliverAll = Waits.until(Duration.ofSeconds(90), () -> probe.open() == 0,
          () -> "open " + probe.open() + ", by state " + probe.deliveriesByState());
      long pauses = events.events("paused").size();

      fig.put("channel", channel);
      fig.put("messages", MESSAGES);
      fig.put("time to pause (s)", seconds(toPause));
      fig.put("broken for (s)", BROKEN_FOR.toSeconds());
      fig.put("failed sender calls while paused (probes)", failedDuringPause);
      fig.put("pause alerts (listener)", pauses);
      fig.put("resume alerts (listener)", events.events("resumed").size());
      fig.put("dead while broken", deadWhileBroken);
      fig.put("most attempts counted while broken", attemptsWhileBroken);
      fig.put("pending while broken", pendingWhileBroken);
      fig.put("delivered while broken", deliveredWhileBroken);
      fig.put("fix to resume (s)", seconds(toResume));
      fig.put("fix to all delivered (s)", seconds(Duration.ofNanos(System.nanoTime() - fixedAt)));
      fig.put("dead letters at the end", herald.admin().deadLetters(DeadLetterQuery.all()).size());
      fig.put("deliveries by state", probe.deliveriesByState());
      fig.put("sends beyond one per key", ledger.duplicatesBeyondOne());
      fig.write();

      assertThat(pausedWhileBroken).as("paused while the credentials are broken").isTrue();
      assertThat(deadWhileBroken).as("dead letters while broken").isZero();
      assertThat(deliveredWhileBroken).isZero();
      assertThat(attemptsWhileBroken).as("attempts counted while paused").isZero();
      assertThat(pendingWhileBroken).as("messages kept pending").isEqualTo(MESSAGES);
      assertThat(pauses).as("pause alerts").isPositive();
      // Probing, not hammering: a handful of calls per pause, not one per message.
      assertThat(failedDuringPause).as("failed calls while paused").isLessThan(MESSAGES / 2);
      assertThat(events.events("resumed")).as("resume alert").isNotEmpty();
      assertThat(toDeliverAll).isNotNull();
      assertThat(probe.dead()).isZero();
      assertThat(herald.admin().deadLetters(DeadLetterQuery.all())).isEmpty();
      assertThat(probe.deliveredKeys()).isEqualTo(MESSAGES);
      assertThat(ledger.keysNotVisibleExactlyOnce(keys)).isZero();
    } finally {
      herald.close();
    }
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f", d.toMillis() / 1000.0);
  }
}
