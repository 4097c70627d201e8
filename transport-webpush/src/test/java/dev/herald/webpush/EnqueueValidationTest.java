package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.spi.InputValidator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the engine's InputValidator asks of this transport before a notification is stored. */
class EnqueueValidationTest {
  static final String P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
  static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
  final WebPushTransport transport = WebPushTransport.builder().vapidKeys(VapidKeys.generate())
      .subject("mailto:push-ops@herald.dev").build();

  @Test
  void payloadThatCannotFitOneMessageIsRefusedBeforeItIsStored() {
    Notification big = Notification.builder("big").recipient(Recipient.id("member-1")).title("t")
        .body("x".repeat(4000)).build();
    assertThatThrownBy(() -> InputValidator.of(List.of(transport)).validate(big))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> {
          assertThat(e.fields()).containsExactly("payload");
          assertThat(e.getMessage()).startsWith("invalid notification: payload must be at most 3993 octets once encoded for Web Push: ");
        });
  }

  @Test
  void explicitSubscriptionOutsideTheEndpointPolicyIsRefused() {
    Notification internal = Notification.builder("k").recipient(Recipient.device(
        new DeviceTarget.WebPushSubscription("https://10.0.0.7/push/x", P256DH, AUTH))).title("t").build();
    assertThatThrownBy(() -> transport.validate(internal)).isInstanceOfSatisfying(InvalidInputException.class,
        e -> assertThat(e.fields()).containsExactly("endpoint"));
  }

  @Test
  void ordinaryNotificationPasses() {
    Notification ok = Notification.builder("k").recipient(Recipient.device(
        new DeviceTarget.WebPushSubscription("https://fcm.googleapis.com/fcm/send/abc", P256DH, AUTH))).title("t").body("b").build();
    assertThatCode(() -> transport.validate(ok)).doesNotThrowAnyException();
  }
}
