package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.testing.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The payload formats, byte for byte, and how a transport chooses one per subscription. */
class PayloadFormatTest {
  private static final String KEY = "order-42-shipped";
  private static final String ID = CollapseKeys.fromIdempotencyKey(KEY);
  private static final URI SITE = URI.create("https://shop.herald.dev/notifications");
  private static final DeviceTarget.WebPushSubscription APPLE = new DeviceTarget.WebPushSubscription(
      "https://web.push.apple.com/QGuQyavXutnMx", EnqueueValidationTest.P256DH, EnqueueValidationTest.AUTH);
  private static final DeviceTarget.WebPushSubscription MOZILLA = new DeviceTarget.WebPushSubscription(
      "https://updates.push.services.mozilla.com/wpush/v2/gAAAAA", EnqueueValidationTest.P256DH, EnqueueValidationTest.AUTH);

  private static Delivery delivery(DeviceTarget target, Content content, DeliveryOptions options) {
    return new Delivery(7L, KEY, 1, target, content, options, CollapseKeys.effective(KEY, options), null);
  }

  private static String json(PayloadFormat format, Content content) {
    return new String(format.encode(delivery(APPLE, content, DeliveryOptions.DEFAULTS)), StandardCharsets.UTF_8);
  }

  @Test
  void declarativeMessageIsTheExactJsonSafariShows() {
    Content content = Content.builder().title("Shipped").body("On its way").data("orderId", "42")
        .image(URI.create("https://cdn.herald.dev/box.png")).clickUrl(URI.create("https://shop.herald.dev/orders/42")).build();
    assertThat(json(PayloadFormat.declarative(SITE), content)).isEqualTo("{\"web_push\":8030,\"notification\":{"
        + "\"title\":\"Shipped\",\"body\":\"On its way\",\"navigate\":\"https://shop.herald.dev/orders/42\","
        + "\"tag\":\"" + ID + "\",\"image\":\"https://cdn.herald.dev/box.png\","
        + "\"data\":{\"orderId\":\"42\",\"herald_id\":\"" + ID + "\"}}}");
  }

  @Test
  void declarativeNavigatesToTheDefaultWithoutAnHttpClickUrl() {
    assertThat(json(PayloadFormat.declarative(SITE), Content.of("Shipped", null))).isEqualTo("{\"web_push\":8030,"
        + "\"notification\":{\"title\":\"Shipped\",\"navigate\":\"https://shop.herald.dev/notifications\","
        + "\"tag\":\"" + ID + "\",\"data\":{\"herald_id\":\"" + ID + "\"}}}");
  }

  @Test
  void declarativeTagIsTheHostsCollapseKeyWhenNamed() {
    Delivery d = delivery(APPLE, Content.of("2-1", null), DeliveryOptions.DEFAULTS.withCollapseKey("score"));
    assertThat(new String(PayloadFormat.declarative(SITE).encode(d), StandardCharsets.UTF_8))
        .contains("\"tag\":\"score\"").contains("\"herald_id\":\"" + ID + "\"");
  }

  @Test
  void contentWithoutTitleHasNothingToDeclareAndGoesAsServiceWorkerJson() {
    Content dataOnly = Content.builder().data("sync", "inbox").build();
    assertThat(json(PayloadFormat.declarative(SITE), dataOnly)).isEqualTo(json(PayloadFormat.serviceWorker(), dataOnly))
        .isEqualTo("{\"data\":{\"sync\":\"inbox\",\"herald_id\":\"" + ID + "\"},\"tag\":\"" + ID + "\"}");
    Content bodyOnly = Content.of(null, "2-1");
    assertThat(json(PayloadFormat.declarative(SITE), bodyOnly)).doesNotContain("web_push");
  }

  @Test
  void declarativeNeedsAnHttpDefaultNavigate() {
    assertThatThrownBy(() -> PayloadFormat.declarative(URI.create("/notifications")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("defaultNavigate must be an absolute http or https URL: \"/notifications\"");
    assertThatThrownBy(() -> PayloadFormat.declarative(URI.create("javascript:alert(1)")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("defaultNavigate must be");
    assertThatThrownBy(() -> PayloadFormat.declarative(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void encoderAndFormatAreAlternatives() {
    WebPushTransport.Builder b = WebPushTransport.builder().vapidKeys(VapidKeys.generate()).subject("mailto:ops@herald.dev")
        .payloadEncoder(d -> new byte[1]).payloadFormat(PayloadFormat.declarative(SITE));
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("payloadEncoder and payloadFormat are alternatives: set one of them");
  }

  @Test
  void formatForSomeSubscriptionsGoesToThoseOnlyAndReachesThePushService() throws Exception {
    VapidKeys keys = VapidKeys.generate();
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    try (FakePushService push = new FakePushService(keys, clock)) {
      Subscriber safari = push.subscribe();
      Subscriber firefox = push.subscribe();
      String safariEndpoint = push.endpointOf(safari);
      WebPushTransport transport = WebPushTransport.builder().vapidKeys(keys).subject("mailto:ops@herald.dev").clock(clock)
          .endpointPolicy(EndpointPolicy.builder().allowHttp(true).allowLoopback(true).build())
          .payloadFormat(PayloadFormat.declarative(SITE), s -> s.endpoint().equals(safariEndpoint))
          .build();
      Content content = Content.of("Shipped", "On its way");
      for (DeviceTarget target : new DeviceTarget[] {safari.at(safariEndpoint), firefox.at(push.endpointOf(firefox))}) {
        assertThat(transport.send(delivery(target, content, DeliveryOptions.DEFAULTS)).toCompletableFuture()
            .get(10, TimeUnit.SECONDS)).isInstanceOf(dev.herald.Outcome.Delivered.class);
      }
      transport.close();
      assertThat(push.violations()).isEmpty();
      assertThat(push.received()).hasSize(2);
      assertThat(push.received().get(0).json()).containsEntry("web_push", 8030L).containsKey("notification");
      assertThat(push.received().get(1).json()).containsEntry("title", "Shipped").doesNotContainKey("web_push");
    }
  }

  @Test
  void recipientNotificationIsSizedInEveryFormatTheTransportMayChoose() {
    // The declarative JSON is longer (navigate, the wrapper): a body that fits only the service-worker JSON.
    WebPushTransport perSubscription = WebPushTransport.builder().vapidKeys(VapidKeys.generate())
        .subject("mailto:ops@herald.dev")
        .payloadFormat(PayloadFormat.declarative(SITE), s -> s.endpoint().startsWith("https://web.push.apple.com/")).build();
    String body = "x".repeat(3993 - swOverhead());
    Notification toRecipient = Notification.builder(KEY).recipient(Recipient.id("member-1")).title("t").body(body).build();
    assertThatThrownBy(() -> perSubscription.validate(toRecipient)).isInstanceOfSatisfying(InvalidInputException.class,
        e -> assertThat(e.fields()).containsExactly("payload"));
    Notification toFirefox = Notification.builder(KEY).recipient(Recipient.device(MOZILLA)).title("t").body(body).build();
    assertThatCode(() -> perSubscription.validate(toFirefox)).doesNotThrowAnyException();
    Notification toSafari = Notification.builder(KEY).recipient(Recipient.device(APPLE)).title("t").body(body).build();
    assertThatThrownBy(() -> perSubscription.validate(toSafari)).isInstanceOf(InvalidInputException.class);
    perSubscription.close();
  }

  private static int swOverhead() {
    return PayloadFormat.serviceWorker().encode(delivery(APPLE, Content.of("t", ""), DeliveryOptions.DEFAULTS)).length;
  }
}
