package dev.herald;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every validation check: the exception type, the field it names and what it says. */
class ValidationTest {
  // A real P-256 public key (RFC 8291 Appendix A, the user agent's) and a 16-byte auth secret.
  static final String P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
  static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
  static final String ENDPOINT = "https://fcm.googleapis.com/fcm/send/abcdef123456";

  static Notification.Builder valid() {
    return Notification.builder("schedule-42:starts").recipient(Recipient.id("member-7")).title("t");
  }

  @Test
  void validNotificationBuilds() {
    Notification n = valid().body("b").data("k", "v").image(URI.create("https://example.com/i.png"))
        .clickUrl(URI.create("https://example.com/s/42")).urgency(Urgency.HIGH).timeToLive(Duration.ofMinutes(5))
        .notBefore(Instant.parse("2026-11-22T10:00:00Z")).expiresAt(Instant.parse("2026-11-22T10:15:00Z")).build();
    assertThat(n.collapseKey()).isEqualTo(CollapseKeys.fromIdempotencyKey("schedule-42:starts")).hasSize(32);
    assertThat(n.content().data()).containsEntry("k", "v");
  }

  @Test
  void heraldsIdDataKeyIsRefusedNamingTheField() {
    assertThatThrownBy(() -> valid().data("herald_id", "mine").build())
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.fields()).containsExactly("content.data.herald_id"))
        .hasMessage("invalid notification: content.data.herald_id is set by Herald to the notification's id: choose another key");
  }

  @Test
  void deliveryNamesTheIdTheTagAndOnlyAnExplicitPushServiceCollapseKey() {
    Notification n = valid().build();
    Delivery d = new Delivery(1, n.idempotencyKey(), 1, new DeviceTarget.FcmToken("tok-123456789"), n.content(), n.options(),
        n.collapseKey(), null);
    String id = CollapseKeys.fromIdempotencyKey("schedule-42:starts");
    assertThat(d.notificationId()).isEqualTo(id);
    assertThat(d.collapseKey()).isEqualTo(id);
    assertThat(d.pushServiceCollapseKey()).isNull();
    Notification score = valid().collapseKey("score").build();
    Delivery s = new Delivery(2, score.idempotencyKey(), 1, new DeviceTarget.FcmToken("tok-123456789"), score.content(),
        score.options(), score.collapseKey(), null);
    assertThat(s.notificationId()).isEqualTo(id);
    assertThat(s.collapseKey()).isEqualTo("score");
    assertThat(s.pushServiceCollapseKey()).isEqualTo("score");
  }

  @Test
  void everyInvalidFieldIsReportedAtOnce() {
    assertThatThrownBy(() -> Notification.builder("").title(null).timeToLive(Duration.ofDays(29)).urgency(null)
        .collapseKey("not/base64!").image(URI.create("http://insecure/x.png"))
        .notBefore(Instant.parse("2026-11-22T10:00:00Z")).expiresAt(Instant.parse("2026-11-22T09:00:00Z")).build())
        .isInstanceOfSatisfying(InvalidInputException.class, e -> {
          assertThat(e.fields()).containsExactly("idempotencyKey", "recipient", "content.title", "content.image",
              "options.timeToLive", "options.urgency", "options.collapseKey", "expiresAt");
          assertThat(e.getMessage()).startsWith("invalid notification: idempotencyKey must be 1-255 characters: length 0");
          assertThat(e.getMessage()).contains("options.timeToLive must be between 0 and 28 days: PT696H");
          assertThat(e.getMessage()).contains("content.title title, body or data must be present");
        });
  }

  @Test
  void idempotencyKeyRules() {
    assertThat(valid().build().toString()).contains("key=\"schedule-42:starts\"");
    String tooLong = "k".repeat(256);
    assertThatThrownBy(() -> Notification.builder(tooLong).recipient(Recipient.id("m")).title("t").build())
        .isInstanceOf(InvalidInputException.class).hasMessage("invalid notification: idempotencyKey must be 1-255 characters: length 256");
    assertThatThrownBy(() -> Notification.builder("a\u0000b").recipient(Recipient.id("m")).title("t").build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid notification: idempotencyKey must not contain control or format characters or unpaired "
            + "surrogates: \"a\\u0000b\"");
    assertThatThrownBy(() -> Notification.builder(null).recipient(Recipient.id("m")).title("t").build())
        .isInstanceOf(InvalidInputException.class).hasMessage("invalid notification: idempotencyKey is required");
  }

  @Test
  void recipientIdRules() {
    assertThatThrownBy(() -> Recipient.id("")).isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid recipient: recipientId must be 1-255 characters without control or format characters or "
            + "unpaired surrogates: \"\"");
    assertThatThrownBy(() -> Recipient.id(null)).isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid recipient: recipientId is required");
  }

  @Test
  void contentLimits() {
    assertThatThrownBy(() -> Content.of("x".repeat(Content.MAX_TITLE + 1), "b")).isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid content: title must be at most 1024 characters: 1025");
    assertThatThrownBy(() -> Content.of("t", "x".repeat(Content.MAX_BODY + 1))).isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid content: body must be at most 4096 characters: 4097");
    assertThatThrownBy(() -> Content.builder().data("", "v").build()).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("data keys must not be empty");
    assertThatThrownBy(() -> Content.builder().title("t").clickUrl(URI.create("relative/path")).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid content: clickUrl must be an absolute https or http URL: \"relative/path\"");
    assertThat(Content.builder().data(Map.of("only", "data")).build().title()).isNull();
  }

  @Test
  void deliveryOptionsLimits() {
    assertThatThrownBy(() -> new DeliveryOptions(Duration.ofSeconds(-1), Urgency.LOW, null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid delivery options: timeToLive must be between 0 and 28 days: PT-1S");
    assertThatThrownBy(() -> new DeliveryOptions(Duration.ZERO, Urgency.LOW, "x".repeat(33)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("invalid delivery options: collapseKey must be 1-32 URL-safe base64 characters");
    assertThat(new DeliveryOptions(Duration.ZERO, Urgency.LOW, "abc_-XYZ").collapseKey()).isEqualTo("abc_-XYZ");
  }

  @Test
  void fcmIdentifiersAreBoundedPrintableAndRedacted() {
    assertThatThrownBy(() -> new DeviceTarget.FcmToken("")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("token must not be empty");
    assertThatThrownBy(() -> new DeviceTarget.FcmInstallation("has space")).isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("invalid FCM installation id: fid must be printable ASCII without spaces");
    assertThatThrownBy(() -> new DeviceTarget.FcmToken("t".repeat(4097))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("token must be at most 4096 characters: 4097");
    String token = "fGhIjKlMnOpQrStUvWxYz0123456789:APA91bHsecretsecretsecret";
    assertThat(new DeviceTarget.FcmToken(token).toString()).doesNotContain(token.substring(6, 20));
  }

  @Test
  void webPushSubscriptionIsCheckedStructurally() {
    DeviceTarget.WebPushSubscription s = new DeviceTarget.WebPushSubscription(ENDPOINT, P256DH, AUTH);
    assertThat(s.p256dhBytes()).hasSize(65);
    assertThat(s.authBytes()).hasSize(16);
    assertThat(s.toString()).doesNotContain("abcdef123456").doesNotContain(AUTH);

    byte[] offCurve = Base64.getUrlDecoder().decode(P256DH);
    offCurve[64] ^= 1;
    String bad = Base64.getUrlEncoder().withoutPadding().encodeToString(offCurve);
    assertThatThrownBy(() -> new DeviceTarget.WebPushSubscription("ftp://x/y", bad, "AAAA"))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> {
          assertThat(e.fields()).containsExactly("endpoint", "p256dh", "auth");
          assertThat(e.getMessage()).contains("endpoint must be an https URL")
              .contains("p256dh must be a point on the P-256 curve")
              .contains("auth must be exactly 16 bytes: 3 bytes");
        });
    assertThatThrownBy(() -> new DeviceTarget.WebPushSubscription(ENDPOINT, "BAAA", AUTH))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("p256dh must be a 65-byte uncompressed P-256 point: 3 bytes");
    assertThatThrownBy(() -> new DeviceTarget.WebPushSubscription(ENDPOINT, "***", AUTH))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("p256dh must be base64url");
  }

  @Test
  void customTargetsCannotImpersonateBuiltInChannels() {
    assertThatThrownBy(() -> new DeviceTarget.Custom(Channel.FCM, "x")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("channel must not be a built-in channel");
    assertThat(new DeviceTarget.Custom(Channel.of("sms"), "+15550100").channel().name()).isEqualTo("sms");
    assertThatThrownBy(() -> Channel.of("SMS")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("channel name must be 1-32 of [a-z0-9_-]: \"SMS\"");
  }

  @Test
  void retryPolicyBuilderNamesBadSettings() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts must be >= 1: 0");
    assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("multiplier must be >= 1 and finite: 0.5");
    assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initialDelay must be > 0 and <= PT24H: PT0S");
    assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(Duration.ofMinutes(5)).maxDelay(Duration.ofMinutes(1)).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("maxDelay must be >= initialDelay: PT1M < PT5M");
  }
}
