package dev.herald.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.testing.InMemoryOutboxStore;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.examples.webhook.SignedWebhookTransport;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;

/** A channel added from outside Herald, delivered through the same engine and store. */
class SignedWebhookTransportTest {
  static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  @Test
  void thirdPartyTransportDeliversThroughTheOutboxWithASignature() throws Exception {
    try (MockWebServer hook = new MockWebServer()) {
      hook.enqueue(new MockResponse.Builder().code(503).addHeader("Retry-After", "0").build());
      hook.enqueue(new MockResponse.Builder().code(200).addHeader("X-Request-Id", "req-1").build());
      hook.enqueue(new MockResponse.Builder().code(410).build());
      hook.start();
      SignedWebhookTransport webhook = new SignedWebhookTransport(SECRET, true);
      InMemoryOutboxStore store = new InMemoryOutboxStore();
      try (Herald herald = Herald.builder().store(store).transport(webhook).deviceRegistry(store).build()) {
        DeviceTarget target = new DeviceTarget.Custom(SignedWebhookTransport.CHANNEL, hook.url("/hooks/member-7").toString());
        herald.devices().register("member-7", target);
        herald.enqueue(Notification.builder("invoice-9:paid").recipient(Recipient.id("member-7")).title("Paid").body("Thanks").build());
        herald.runOnce(); // 503: retried (Retry-After 0 and the default jitter)
        for (int i = 0; i < 50 && store.find("invoice-9:paid").orElseThrow().state() != DeliveryState.DELIVERED; i++) {
          Thread.sleep(50);
          herald.runOnce();
        }
        assertThat(store.find("invoice-9:paid").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(store.find("invoice-9:paid").orElseThrow().deliveries().get(0).providerId()).isEqualTo("req-1");

        herald.enqueue(Notification.builder("invoice-10:paid").recipient(Recipient.id("member-7")).title("Paid").build());
        herald.runOnce();
        assertThat(store.find("invoice-10:paid").orElseThrow().state()).isEqualTo(DeliveryState.TARGET_GONE);
        assertThat(store.find(target).orElseThrow().status()).isEqualTo(dev.herald.Device.Status.INVALID);
      }
      hook.takeRequest(1, TimeUnit.SECONDS);
      RecordedRequest ok = hook.takeRequest(1, TimeUnit.SECONDS);
      String body = ok.getBody().utf8();
      assertThat(body).contains("\"title\":\"Paid\"").contains("\"key\":\"invoice-9:paid\"");
      assertThat(ok.getHeaders().get("X-Herald-Signature")).isEqualTo("sha256=" + new SignedWebhookTransport(SECRET, true).sign(body));
    }
  }

  @Test
  void httpTargetsAreRefusedUnlessAllowed() {
    SignedWebhookTransport strict = new SignedWebhookTransport(SECRET, false);
    assertThatThrownBy(() -> strict.validate(new DeviceTarget.Custom(SignedWebhookTransport.CHANNEL, "http://hooks.example/x")))
        .isInstanceOf(InvalidInputException.class).hasMessage("invalid webhook target: address must be an https URL");
    assertThatThrownBy(() -> new SignedWebhookTransport(new byte[8], false)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("secret must be at least 32 bytes: 8");
    assertThat(strict.toString()).doesNotContain("0123456789");
  }
}
