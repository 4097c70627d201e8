package dev.herald.outbox.jdbc;

import static dev.herald.outbox.jdbc.testing.Fixture.toDevice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.NotificationStatus.DeliveryStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.testing.OnEachDatabase;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.store.Resolution;
import dev.herald.testing.webpush.PushSubscriber;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regression tests of issue 12, items 1, 3, 4, 5 and 8 on both databases: what a push service or a
 * caller sends must never make the database refuse a write, poison the host's transaction, or merge
 * two identities.
 */
class HostileRecordingTest extends OnEachDatabase {
  private DeliveryStatus only(String key) {
    return fx.outbox.find(key).orElseThrow().deliveries().get(0);
  }

  private List<Completion> complete(ClaimedDelivery c, Resolution r) {
    return fx.outbox.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(), r)));
  }

  @Test
  void aNulByteFromAPushServiceIsRecordedNotRefused() {
    fx.outbox.enqueue(toDevice("nul"));
    // A Location header with a NUL byte: PostgreSQL refuses 0x00 in text.
    assertThat(complete(fx.claimOne(), new Resolution.Delivered("https://push.example/m/1\u0000x"))).isEmpty();
    assertThat(only("nul").state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(only("nul").providerId()).isEqualTo("https://push.example/m/1\\u0000x");
  }

  @Test
  void anOAuthErrorCodeWithNulAndAnUnpairedSurrogateIsRecorded() {
    fx.outbox.enqueue(toDevice("oauth"));
    complete(fx.claimOne(), new Resolution.Release(Duration.ofSeconds(1),
        "channel unavailable: invalid_gr\u0000ant: bad \uD800 key"));
    assertThat(only("oauth").state()).isEqualTo(DeliveryState.PENDING);
    assertThat(only("oauth").lastError()).isEqualTo("released: channel unavailable: invalid_gr\\u0000ant: bad \uFFFD key");
  }

  @Test
  void aHugeDelayIsClampedNotOverflowed() {
    fx.outbox.enqueue(toDevice("huge"));
    // Duration.toMillis overflows (H2) and PostgreSQL's interval ends long before Long.MAX_VALUE seconds.
    assertThat(complete(fx.claimOne(), new Resolution.Retry(Duration.ofSeconds(Long.MAX_VALUE),
        Outcome.retry("503", "busy")))).isEmpty();
    assertThat(only("huge").state()).isEqualTo(DeliveryState.PENDING);
    fx.outbox.enqueue(toDevice("huge2"));
    assertThat(complete(fx.claimOne(), new Resolution.Release(Duration.ofDays(365L * 300_000), "paused"))).isEmpty();
    assertThat(only("huge2").state()).isEqualTo(DeliveryState.PENDING);
  }

  @Test
  void aTargetGoneReasonWithNulInvalidatesTheDevice() {
    DeviceTarget token = new DeviceTarget.FcmToken("tok-abcdefghij");
    fx.outbox.register("m1", token);
    fx.outbox.enqueue(Notification.builder("gone").recipient(Recipient.id("m1")).title("t").build());
    complete(fx.claimOne(), new Resolution.TargetGone(new Outcome.TargetGone("UNREGIS\u0000TERED", "gone\u0000"), true));
    Device d = fx.outbox.find(token).orElseThrow();
    assertThat(d.status()).isEqualTo(Device.Status.INVALID);
    assertThat(d.invalidReason()).isEqualTo("UNREGIS\\u0000TERED: gone\\u0000");
  }

  @Test
  void keysThatCannotHaveBeenEnqueuedAreNeitherFoundNorCancelled() {
    assertThat(fx.outbox.find("a\u0000b")).isEmpty();
    assertThat(fx.outbox.find("x".repeat(300))).isEmpty();
    assertThat(fx.outbox.cancel("a\u0000b", "reason")).isFalse();
    fx.outbox.enqueue(toDevice("c"));
    assertThat(fx.outbox.cancel("c", "host cancelled \u0000 it")).isTrue();
    assertThat(only("c").lastError()).isEqualTo("host cancelled \\u0000 it");
  }

  @Test
  void theHostsTransactionSurvivesAnInputHeraldRefuses() throws Exception {
    try (Connection c = fx.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE " + fx.prefix + "host_order (id INT PRIMARY KEY)");
      }
      c.commit();
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO " + fx.prefix + "host_order VALUES (1)");
      }
      // Refused when the value is built: nothing reaches the connection, whose transaction goes on.
      assertThatThrownBy(() -> fx.outbox.enqueue(c, Notification.builder("far").recipient(Recipient.id("m"))
          .title("t").notBefore(Instant.parse("+300000-01-01T00:00:00Z")).build()))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("notBefore");
      assertThatThrownBy(() -> fx.outbox.enqueue(c, Notification.builder("order-\uD800").recipient(Recipient.id("m"))
          .title("t").build())).isInstanceOf(InvalidInputException.class).hasMessageContaining("idempotencyKey");
      // The extremes of the documented range are stored by both databases.
      fx.outbox.enqueue(c, Notification.builder("latest").recipient(Recipient.id("m")).title("t")
          .notBefore(Notification.MAX_INSTANT.minusSeconds(1)).expiresAt(Notification.MAX_INSTANT).build());
      fx.outbox.enqueue(c, Notification.builder("earliest").recipient(Recipient.id("m")).title("t")
          .notBefore(Notification.MIN_INSTANT).expiresAt(Notification.MIN_INSTANT.plusSeconds(1)).build());
      c.commit();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM " + fx.prefix + "host_order")) {
        rs.next();
        assertThat(rs.getInt(1)).as("the host's own row").isEqualTo(1);
      }
    }
    assertThat(fx.outbox.find("latest")).isPresent();
    assertThat(fx.outbox.find("earliest")).isPresent();
  }

  @Test
  void oneBrowserIsOneDeviceWhateverTheHostsCaseOrAnExplicitDefaultPort() {
    DeviceTarget.WebPushSubscription base = PushSubscriber.generate().subscriptionAt("https://fcm.googleapis.com/fcm/send/same-browser:APA91b");
    String path = base.endpoint().substring("https://fcm.googleapis.com".length());
    fx.outbox.register("m1", base);
    fx.outbox.register("m1", new DeviceTarget.WebPushSubscription("https://FCM.GoogleAPIs.com" + path, base.p256dh(), base.auth()));
    fx.outbox.register("m1", new DeviceTarget.WebPushSubscription("https://fcm.googleapis.com:443" + path, base.p256dh(), base.auth()));
    assertThat(fx.outbox.devices("m1")).hasSize(1);
  }

  @Test
  void settingsThatWouldOverflowAreRefusedAtTheBuilder() {
    var b = JdbcOutbox.builder(fx.database.dataSource());
    assertThatThrownBy(() -> b.purgeInterval(Duration.ofNanos(1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("purgeInterval must be zero (off) or between PT0.001S and PT24H: PT0.000000001S");
    assertThatThrownBy(() -> b.dedupWindow(Duration.ofSeconds(Long.MAX_VALUE))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("dedupWindow must be >= 0 and <= PT87600H");
    assertThatThrownBy(() -> b.retention(Duration.ofSeconds(Long.MAX_VALUE))).hasMessageStartingWith("retention must be");
    assertThatThrownBy(() -> b.staleAfter(Duration.ofSeconds(Long.MAX_VALUE))).hasMessageStartingWith("staleAfter must be");
    assertThatThrownBy(() -> b.deviceRetention(Duration.ofSeconds(Long.MAX_VALUE))).hasMessageStartingWith("deviceRetention must be");
    // The maxima work.
    JdbcOutbox o = fx.another(x -> x.dedupWindow(JdbcOutbox.Builder.MAX_PERIOD).retention(JdbcOutbox.Builder.MAX_PERIOD)
        .staleAfter(JdbcOutbox.Builder.MAX_PERIOD).deviceRetention(JdbcOutbox.Builder.MAX_PERIOD));
    {
      o.enqueue(toDevice("max"));
      ClaimedDelivery c = o.claim(new dev.herald.store.ClaimRequest("x", Duration.ofMinutes(1),
          java.util.Map.of(dev.herald.Channel.FCM, 1))).deliveries().get(0);
      o.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(), new Resolution.Delivered("id"))));
      o.purge();
      o.admin().pruneDevices();
      assertThat(o.find("max").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    }
  }
}
