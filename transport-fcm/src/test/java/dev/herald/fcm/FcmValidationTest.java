package dev.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Outcome;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every check of the transport and its builder: type and message. */
class FcmValidationTest extends FcmTestSupport {
  private static final String SUBSCRIPTION_KEY =
      "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";

  @Test
  void enqueueValidationRefusesReservedKeysBeforeAnythingIsStored() {
    dev.herald.Notification n = dev.herald.Notification.builder("k").recipient(dev.herald.Recipient.id("member-1"))
        .title("t").data("google.x", "v").build();
    assertThatThrownBy(() -> dev.herald.spi.InputValidator.of(java.util.List.of(transport())).validate(n))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("invalid FCM content: content.data.google.x is a key reserved by FCM");
  }

  @Test
  void reservedDataKeysAreRefusedBeforeSending() {
    for (String key : new String[] {"from", "message_type", "google.sent_time", "gcm.notification.body", "GOOGLE_x", "Gcm"}) {
      Content content = Content.builder().title("t").data(key, "v").build();
      assertThatThrownBy(() -> FcmTransport.validateContent(content))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("invalid FCM content: content.data." + key
              + " is a key reserved by FCM (from, message_type, google*, gcm*): \"" + key + "\"");

      Outcome o = await(transport().send(delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN), content, DeliveryOptions.DEFAULTS)));
      assertThat(o).isEqualTo(new Outcome.Rejected(null, "not sent: invalid delivery: content.data." + key
          + " is a key reserved by FCM (from, message_type, google*, gcm*): \"" + key + "\""));
    }
    assertThat(fcm.requestCount()).isZero();
    assertThat(fcm.tokenRequestCount()).isZero();
  }

  @Test
  void keysThatMerelyContainReservedWordsAreAccepted() {
    Content content = Content.builder().title("t").data("sent_from", "a").data("my_google_id", "b").data("fromage", "c").build();
    FcmTransport.validateContent(content);
    assertThat(await(transport().send(delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN), content, DeliveryOptions.DEFAULTS))))
        .isInstanceOf(Outcome.Delivered.class);
  }

  @Test
  void dataOverFourKilobytesIsRefused() {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("a", "x".repeat(4000));
    data.put("b", "é".repeat(48)); // 96 bytes in UTF-8: 1 + 4000 + 1 + 96 = 4098
    Content content = Content.builder().data(data).build();
    assertThatThrownBy(() -> FcmTransport.validateContent(content))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid FCM content: content.data must be at most 4096 bytes (keys and values, UTF-8): 4098 bytes");
    assertThat(await(transport().send(delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN), content, DeliveryOptions.DEFAULTS))))
        .isInstanceOf(Outcome.Rejected.class);
    assertThat(fcm.requestCount()).isZero();
  }

  @Test
  void messageOfExactlyTheLimitIsAcceptedAndOneByteMoreIsRefused() {
    // The limit is on the whole message as sent: data of 4096 bytes no longer fits with the rest.
    assertThatThrownBy(() -> FcmTransport.validateContent(Content.builder().data("k", "x".repeat(4095)).build()))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.fields()).containsExactly("content"));
    int overhead = countedBytes(Content.builder().title("t").body("").build());
    Content exact = Content.builder().title("t").body("b".repeat(4096 - overhead)).build();
    FcmTransport.validateContent(exact);
    Content oneMore = Content.builder().title("t").body("b".repeat(4097 - overhead)).build();
    assertThatThrownBy(() -> FcmTransport.validateContent(oneMore))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid FCM content: content must fit FCM's 4096-byte message limit, counted as the message JSON "
            + "Herald sends without the device address: 4097 bytes; shorten the title, body or data");
    // At send time the delivery's own, smaller options are what counts: the exact one is sent.
    assertThat(await(transport().send(delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN), exact, DeliveryOptions.DEFAULTS))))
        .isInstanceOf(Outcome.Delivered.class);
  }

  @Test
  void escapedCharactersCountAsSent() {
    // A quote or a control character takes more bytes in JSON than in the string: the count is the JSON's.
    int overhead = countedBytes(Content.builder().title("t").body("").build());
    Content quotes = Content.builder().title("t").body("\"".repeat((4096 - overhead) / 2 + 1)).build();
    assertThatThrownBy(() -> FcmTransport.validateContent(quotes)).isInstanceOfSatisfying(InvalidInputException.class,
        e -> assertThat(e.fields()).containsExactly("content"));
  }

  @Test
  void titleBodyAndDataOverFourKilobytesTogetherAreRefused() {
    Content content = Content.builder().title("t".repeat(1000)).body("b".repeat(3000)).data("k", "v".repeat(99)).build();
    assertThatThrownBy(() -> FcmTransport.validateContent(content))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.fields()).containsExactly("content"))
        .hasMessageStartingWith("invalid FCM content: content must fit FCM's 4096-byte message limit");
    assertThat(await(transport().send(delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN), content, DeliveryOptions.DEFAULTS))))
        .isInstanceOfSatisfying(Outcome.Rejected.class, r -> assertThat(r.reason())
            .startsWith("not sent: invalid delivery: content must fit FCM's 4096-byte message limit"));
    assertThat(fcm.requestCount()).isZero();
  }

  @Test
  void enqueueSizesTheMessageWithTheNotificationsOwnOptions() {
    FcmTransport t = transport();
    int overhead = countedBytes(Content.builder().title("t").body("").build());
    // Fits with the default options (no collapse key), not with the largest ones validateContent assumes.
    dev.herald.Notification n = dev.herald.Notification.builder("k").recipient(dev.herald.Recipient.id("member-1"))
        .title("t").body("b".repeat(4096 - overhead + 40)).build();
    t.validate(n);
    assertThatThrownBy(() -> FcmTransport.validateContent(n.content())).isInstanceOf(InvalidInputException.class);
    dev.herald.Notification collapsing = dev.herald.Notification.builder("k").recipient(dev.herald.Recipient.id("member-1"))
        .title("t").body("b".repeat(4096 - overhead + 40)).collapseKey("x".repeat(32)).build();
    assertThatThrownBy(() -> t.validate(collapsing)).isInstanceOfSatisfying(InvalidInputException.class,
        e -> assertThat(e.fields()).containsExactly("content"));
  }

  /** What validateContent counts for this content, read back from its refusal of a padded copy. */
  private static int countedBytes(Content content) {
    Content padded = Content.builder().title(content.title()).body(content.body() + "p".repeat(4096)).build();
    try {
      FcmTransport.validateContent(padded);
      throw new AssertionError("a body of 4096 bytes must not fit");
    } catch (InvalidInputException e) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile(": (\\d+) bytes;").matcher(e.getMessage());
      assertThat(m.find()).as(e.getMessage()).isTrue();
      return Integer.parseInt(m.group(1)) - 4096;
    }
  }

  @Test
  void allContentProblemsAreReportedAtOnce() {
    Content content = Content.builder().data("from", "x").data("gcm.y", "z".repeat(5000)).build();
    assertThatThrownBy(() -> FcmTransport.validateContent(content))
        .isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).fields())
            .containsExactly("content.data.from", "content.data.gcm.y", "content.data"));
  }

  @Test
  void nonFcmTargetIsRefused() {
    DeviceTarget webPush = new DeviceTarget.WebPushSubscription("https://updates.push.services.mozilla.com/wpush/v2/abc",
        SUBSCRIPTION_KEY, "AAAAAAAAAAAAAAAAAAAAAA");
    FcmTransport t = transport();
    assertThatThrownBy(() -> t.validate(webPush))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid FCM target: target must be an FCM installation id or registration token: webpush");
    t.validate(new DeviceTarget.FcmToken(DEVICE_TOKEN));
    t.validate(new DeviceTarget.FcmInstallation(FID));

    assertThat(await(t.send(delivery(webPush)))).isEqualTo(new Outcome.Rejected(null,
        "not sent: invalid delivery: target must be an FCM installation id or registration token: webpush"));
  }

  @Test
  void collapseKeyThatWebPushCannotCarryIsRejected() {
    Delivery d = new Delivery(1, KEY, 1, new DeviceTarget.FcmToken(DEVICE_TOKEN), Content.of("t", "b"),
        DeliveryOptions.DEFAULTS, "has spaces, too long for a topic", null);
    assertThat(await(transport().send(d))).isEqualTo(new Outcome.Rejected(null,
        "not sent: invalid delivery: collapseKey must be 1-32 URL-safe base64 characters: "
            + "\"has spaces, too long for a topic\""));
  }

  @Test
  void topicIsCheckedBeforeBroadcasting() {
    FcmTransport t = transport();
    assertThatThrownBy(() -> t.sendToTopic("/topics/news", "k", Content.of("t", "b"), DeliveryOptions.DEFAULTS))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid FCM broadcast: topic must be the bare name, without /topics/: \"/topics/news\"");
    assertThatThrownBy(() -> t.sendToTopic("news today", "k", Content.of("t", "b"), DeliveryOptions.DEFAULTS))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid FCM broadcast: topic must be 1-900 of [a-zA-Z0-9-_.~%]: \"news today\"");
    assertThatThrownBy(() -> t.sendToTopic(null, "k", Content.of("t", "b"), DeliveryOptions.DEFAULTS))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid FCM broadcast: topic is required");
    assertThatThrownBy(() -> t.sendToTopic("x".repeat(901), "k", Content.of("t", "b"), DeliveryOptions.DEFAULTS))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("invalid FCM broadcast: topic must be 1-900 of [a-zA-Z0-9-_.~%]: \"xxx");
    assertThat(fcm.requestCount()).isZero();
  }

  @Test
  void conditionIsCheckedBeforeBroadcasting() {
    FcmTransport t = transport();
    assertThatThrownBy(() -> t.sendToCondition(" ", "k", Content.of("t", "b"), DeliveryOptions.DEFAULTS))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid FCM broadcast: condition must be 1-1024 printable characters: \" \"");
    assertThatThrownBy(() -> t.sendToCondition("'a' in topics\n", "k", Content.of("t", "b"), DeliveryOptions.DEFAULTS))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid FCM broadcast: condition must be 1-1024 printable characters: \"'a' in topics\\u000a\"");
    assertThatThrownBy(() -> t.sendToCondition(null, "k", Content.of("t", "b"), DeliveryOptions.DEFAULTS))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid FCM broadcast: condition is required");
  }

  @Test
  void broadcastArgumentsAreAllReportedAtOnce() {
    FcmTransport t = transport();
    assertThatThrownBy(() -> t.sendToTopic("news", "", null, null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid FCM broadcast: idempotencyKey must be 1-255 printable characters: length 0; "
            + "options is required; content is required");
    assertThatThrownBy(() -> t.sendToTopic("news", null, Content.builder().data("from", "x").build(), DeliveryOptions.DEFAULTS))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid FCM broadcast: idempotencyKey is required; "
            + "content.data.from is a key reserved by FCM (from, message_type, google*, gcm*): \"from\"");
  }

  @Test
  void builderRefusesBadSingleValues() {
    FcmTransport.Builder b = FcmTransport.builder();
    assertThatThrownBy(() -> b.maxInFlight(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxInFlight must be >= 1: 0");
    assertThatThrownBy(() -> b.baseUrl("http://fcm.example.com")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("baseUrl must be an absolute https URL (http only to a loopback host): \"http://fcm.example.com\"");
    assertThatThrownBy(() -> b.baseUrl("fcm.googleapis.com")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("baseUrl must be an absolute https URL (http only to a loopback host): \"fcm.googleapis.com\"");
    assertThatThrownBy(() -> b.tokenUri("http://oauth2.example.com/token")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tokenUri must be an absolute https URL (http only to a loopback host): \"http://oauth2.example.com/token\"");
    assertThatThrownBy(() -> b.requestTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("requestTimeout must be > 0: PT0S");
    assertThatThrownBy(() -> b.serviceAccount(null)).isInstanceOf(NullPointerException.class).hasMessage("serviceAccount");
    assertThatThrownBy(() -> b.clock(null)).isInstanceOf(NullPointerException.class).hasMessage("clock");
    assertThatThrownBy(() -> b.okHttpClient(null)).isInstanceOf(NullPointerException.class).hasMessage("okHttpClient");
    assertThatThrownBy(() -> b.baseUrl(null)).isInstanceOf(NullPointerException.class).hasMessage("baseUrl");
    assertThatThrownBy(() -> b.tokenUri(null)).isInstanceOf(NullPointerException.class).hasMessage("tokenUri");
    assertThatThrownBy(() -> b.requestTimeout(null)).isInstanceOf(NullPointerException.class).hasMessage("requestTimeout");
  }

  @Test
  void builderRefusesBadCombinations() {
    assertThatThrownBy(() -> FcmTransport.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("serviceAccount is required: load one with ServiceAccount.fromFile");
    FcmTransport.Builder b = FcmTransport.builder().serviceAccount(TestKeys.account("https://oauth2.googleapis.com/token"))
        .http2PriorKnowledge(true);
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("http2PriorKnowledge needs an http:// base URL (https negotiates HTTP/2 by ALPN): https://fcm.googleapis.com");
  }

  @Test
  void validateNeedsATarget() {
    assertThatThrownBy(() -> transport().validate((DeviceTarget) null)).isInstanceOf(NullPointerException.class).hasMessage("target");
    assertThatThrownBy(() -> FcmTransport.validateContent(null)).isInstanceOf(NullPointerException.class).hasMessage("content");
  }
}
