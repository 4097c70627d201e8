package dev.herald.testing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.RetryPolicy;
import dev.herald.internal.Redact;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Regression tests of issue 12, items 3 to 5, 7 and 8: values that used to pass validation and
 * then broke the database, merged two identities, or leaked a secret; settings that overflowed later.
 */
class HostileValueTest {
  static final String P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
  static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";

  static Notification.Builder valid(String key) {
    return Notification.builder(key).recipient(Recipient.id("member-1")).title("t");
  }

  static InvalidInputException refused(Runnable r) {
    return catchThrowableOfType(InvalidInputException.class, r::run);
  }

  // ---------------------------------------------------------------- item 3: instants

  @Test
  void instantsOutsideYearsOneToNineThousandNineHundredNinetyNineAreRefusedNamingTheField() {
    Instant year300000 = Instant.parse("+300000-01-01T00:00:00Z");
    InvalidInputException e = refused(() -> valid("k").notBefore(year300000).build());
    assertThat(e.fields()).containsExactly("notBefore");
    assertThat(e.getMessage()).isEqualTo("invalid notification: notBefore must be between 0001-01-01T00:00:00Z and "
        + "9999-12-31T23:59:59Z: +300000-01-01T00:00:00Z");
    assertThat(refused(() -> valid("k").expiresAt(Instant.MAX).build()).fields()).containsExactly("expiresAt");
    assertThat(refused(() -> valid("k").notBefore(Instant.MIN).build()).fields()).containsExactly("notBefore");
    assertThat(valid("k").notBefore(Notification.MIN_INSTANT).expiresAt(Notification.MAX_INSTANT).build()).isNotNull();
  }

  // ---------------------------------------------------------------- item 4: surrogates and format characters

  @Test
  void unpairedSurrogatesAreRefusedWhereverTextIsStored() {
    assertThat(refused(() -> valid("order-\uD800").build()).fields()).containsExactly("idempotencyKey");
    assertThat(refused(() -> Recipient.id("member-\uDC00")).fields()).containsExactly("recipientId");
    assertThat(refused(() -> valid("k").title("a\uD800b").build()).fields()).containsExactly("content.title");
    assertThat(refused(() -> valid("k").body("\uDFFF").build()).fields()).containsExactly("content.body");
    assertThat(refused(() -> valid("k").data("x", "\uD83D").build()).fields()).containsExactly("content.data.x");
    assertThat(refused(() -> valid("k").data("\uD83Dx", "v").build()).fields()).containsExactly("content.data");
    assertThat(refused(() -> new DeviceTarget.Custom(Channel.of("sms"), "+1555\uD800")).fields()).containsExactly("address");
    // A proper pair (an emoji) is fine everywhere.
    assertThat(valid("order-\uD83D\uDE00").title("\uD83D\uDE00").data("e", "\uD83D\uDE00").build()).isNotNull();
    assertThat(Recipient.id("m-\uD83D\uDE00")).isNotNull();
  }

  @Test
  void bidiAndOtherFormatCharactersAreRefusedInKeysAndRecipientIdsOnly() {
    assertThat(refused(() -> valid("order-\u202E1").build()).fields()).containsExactly("idempotencyKey");
    assertThat(refused(() -> valid("order\u200B1").build()).fields()).containsExactly("idempotencyKey");
    assertThat(refused(() -> Recipient.id("admin\u2066")).fields()).containsExactly("recipientId");
    assertThatThrownBy(() -> Herald.builder().instanceId("pod-\u202E")).isInstanceOf(IllegalArgumentException.class);
    // Right-to-left text needs its marks in what users read.
    assertThat(valid("k").title("\u05E9\u05DC\u05D5\u05DD \u200F!").build()).isNotNull();
    // And a log shows them escaped, never applied.
    assertThat(Redact.quote("a\u202Eb\uD800", 40)).isEqualTo("\"a\\u202eb\uFFFD\"");
  }

  // ---------------------------------------------------------------- item 5: unbounded and non-canonical fields

  @Test
  void subscriptionKeysAreBoundedAndPaddedOnlyAtTheEnd() {
    assertThat(refused(() -> new DeviceTarget.WebPushSubscription("https://fcm.googleapis.com/fcm/send/x",
        P256DH + "=" + "A".repeat(1 << 20), AUTH)).fields()).containsExactly("p256dh");
    assertThat(refused(() -> new DeviceTarget.WebPushSubscription("https://fcm.googleapis.com/fcm/send/x",
        P256DH + "=junk", AUTH)).fields()).containsExactly("p256dh");
    assertThat(refused(() -> new DeviceTarget.WebPushSubscription("https://fcm.googleapis.com/fcm/send/x",
        P256DH, AUTH + "==x")).fields()).containsExactly("auth");
    assertThat(new DeviceTarget.WebPushSubscription("https://fcm.googleapis.com/fcm/send/x", P256DH + "=", AUTH + "==")
        .p256dhBytes()).hasSize(65);
  }

  @Test
  void oneBrowserIsOneDeviceWhateverTheCaseOfTheHostOrAnExplicitDefaultPort() {
    String path = "/fcm/send/dK9-AbC:APA91bHqSecretPath";
    DeviceTarget a = new DeviceTarget.WebPushSubscription("https://fcm.googleapis.com" + path, P256DH, AUTH);
    DeviceTarget b = new DeviceTarget.WebPushSubscription("https://FCM.GoogleAPIs.com" + path, P256DH, AUTH);
    DeviceTarget c = new DeviceTarget.WebPushSubscription("HTTPS://fcm.googleapis.com:443" + path, P256DH, AUTH);
    assertThat(b.address()).isEqualTo(a.address()).isEqualTo("https://fcm.googleapis.com" + path);
    assertThat(c.address()).isEqualTo(a.address());
    assertThat(b).isEqualTo(a);
    // The path is the push service's capability: kept exactly, case and all.
    DeviceTarget d = new DeviceTarget.WebPushSubscription("https://fcm.googleapis.com/FCM/send/X?a=B", P256DH, AUTH);
    assertThat(d.address()).isEqualTo("https://fcm.googleapis.com/FCM/send/X?a=B");
    assertThat(new DeviceTarget.WebPushSubscription("http://127.0.0.1:8080/p", P256DH, AUTH).address())
        .isEqualTo("http://127.0.0.1:8080/p");
  }

  @Test
  void clickUrlMustBeHttpsOrHttp() {
    for (String bad : new String[] {"javascript:alert(1)", "data:text/html,%3Cscript%3E", "file:///etc/passwd",
        "intent://x#Intent;end", "ftp://example.org/x", "https:///no-host"}) {
      assertThat(refused(() -> valid("k").clickUrl(URI.create(bad)).build()).fields()).as(bad)
          .containsExactly("content.clickUrl");
    }
    assertThat(valid("k").clickUrl(URI.create("https://app.example.org/schedule/42")).build()).isNotNull();
    assertThat(valid("k").clickUrl(URI.create("http://intranet.example.org/x")).build()).isNotNull();
  }

  // ---------------------------------------------------------------- item 7: redaction

  @Test
  void redactedUrlsNeverShowAQueryUserInfoOrABackslashSeparatedPath() {
    assertThat(Redact.url("https://push.example.net?token=SECRET-TOKEN-123")).doesNotContain("SECRET")
        .startsWith("https://push.example.net?");
    assertThat(Redact.url("https://admin:pw@push.example.net/path/secret")).doesNotContain("admin").doesNotContain("pw")
        .startsWith("https://…@push.example.net/");
    assertThat(Redact.url("https://push.example.net\\fcm\\send\\SECRET-PATH")).doesNotContain("SECRET")
        .startsWith("https://push.example.net\\");
    assertThat(Redact.url("https://push.example.net#SECRET-FRAGMENT")).doesNotContain("SECRET");
    assertThat(Redact.url("https://push.example.net")).isEqualTo("https://push.example.net");
    DeviceTarget t = new DeviceTarget.WebPushSubscription("https://u:p@fcm.googleapis.com/fcm/send/SECRET-PATH", P256DH, AUTH);
    assertThat(t.toString()).doesNotContain("SECRET").doesNotContain("u:p");
    InvalidInputException e = refused(() -> new DeviceTarget.WebPushSubscription(
        "https://push.example.net\\SECRET-PATH-VALUE", P256DH, AUTH));
    assertThat(e.getMessage()).doesNotContain("SECRET-PATH-VALUE");
    assertThat(Redact.withoutCredentials("https://user:pw@oauth2.example.net/token?key=SECRET"))
        .isEqualTo("https://…@oauth2.example.net/token?…");
  }

  // ---------------------------------------------------------------- item 8: settings that overflowed later

  @Test
  void engineDurationsAreBoundedAtTheSetterNamingTheSetting() {
    Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
    Herald.Builder b = Herald.builder();
    assertThatThrownBy(() -> b.lease(huge)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("lease must be between PT0.001S and PT24H: PT");
    assertThatThrownBy(() -> b.pollInterval(huge)).hasMessageStartingWith("pollInterval must be between PT0.001S and PT1H");
    assertThatThrownBy(() -> b.pollInterval(Duration.ofNanos(1))).hasMessageStartingWith("pollInterval must be between");
    assertThatThrownBy(() -> b.shutdownTimeout(huge)).hasMessageStartingWith("shutdownTimeout must be between PT0.001S and PT1H");
    assertThatThrownBy(() -> b.channelPause(huge)).hasMessageStartingWith("channelPause must be between PT0.001S and PT24H");
    assertThatThrownBy(() -> b.maxChannelPause(huge)).hasMessageStartingWith("maxChannelPause must be between");
    assertThatThrownBy(() -> b.targetGoneSafetyValve(0.5, 20, huge)).hasMessageStartingWith("window must be between");
    assertThatThrownBy(() -> RetryPolicy.builder().maxDelay(huge)).hasMessageStartingWith("maxDelay must be > 0 and <= PT24H");
    assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(huge)).hasMessageStartingWith("initialDelay must be > 0 and <= PT24H");
    assertThatThrownBy(() -> RetryPolicy.builder().maxAge(huge)).hasMessageStartingWith("maxAge must be > 0 and <= PT8760H");
    // The maxima themselves work end to end.
    RetryPolicy p = RetryPolicy.builder().maxDelay(RetryPolicy.MAX_DELAY).maxAge(RetryPolicy.MAX_AGE).build();
    assertThat(p.nextDelay(11, Duration.ZERO, Duration.ofSeconds(Long.MAX_VALUE))).contains(RetryPolicy.MAX_DELAY);
  }

  @Test
  void maximaAreUsableWithoutOverflow() {
    InMemoryOutboxStore store = new InMemoryOutboxStore();
    try (Herald h = Herald.builder().store(store).transport(new dev.herald.testing.ScriptedTransport(Channel.FCM))
        .lease(Herald.Builder.MAX_LEASE).pollInterval(Herald.Builder.MAX_POLL_INTERVAL)
        .shutdownTimeout(Duration.ofMillis(100)).channelPause(Herald.Builder.MAX_PAUSE)
        .maxChannelPause(Herald.Builder.MAX_PAUSE).build()) {
      h.enqueue(Notification.builder("k").recipient(Recipient.device(new DeviceTarget.FcmToken("tok-1234567890")))
          .title("t").build());
      assertThat(h.runOnce()).isEqualTo(1);
      assertThat(store.find("k").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    }
  }
}
