package dev.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.Outcome;
import dev.herald.Urgency;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the fake FCM receives for each kind of delivery; it also checks the JSON as FCM would. */
class FcmMessageMappingTest extends FcmTestSupport {
  private static final String COLLAPSE = CollapseKeys.fromIdempotencyKey(KEY);

  @Test
  void installationIdIsSentAsFid() {
    Map<String, Object> m = sent(delivery(new DeviceTarget.FcmInstallation(FID)));
    assertThat(m).containsEntry("fid", FID).doesNotContainKeys("token", "topic", "condition");
  }

  @Test
  void registrationTokenIsSentAsToken() {
    Map<String, Object> m = sent(toToken());
    assertThat(m).containsEntry("token", DEVICE_TOKEN).doesNotContainKeys("fid", "topic", "condition");
  }

  @Test
  void visibleNotificationMapsTitleBodyImageAndEveryPlatform() {
    Content content = Content.builder().title("Shipped \"today\" ✓").body("Ünïcode & <tags>")
        .image(URI.create("https://cdn.example.com/box.png")).data("orderId", "42")
        .clickUrl(URI.create("https://shop.example.com/orders/42")).build();
    DeliveryOptions options = new DeliveryOptions(Duration.ofHours(2), Urgency.HIGH, null);
    Map<String, Object> m = sent(delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN), content, options));

    assertThat(map(m, "notification")).containsExactly(entry("title", "Shipped \"today\" ✓"),
        entry("body", "Ünïcode & <tags>"), entry("image", "https://cdn.example.com/box.png"));
    assertThat(map(m, "data")).containsExactly(entry("orderId", "42"), entry("herald_id", COLLAPSE));
    Map<String, Object> android = map(m, "android");
    // No collapse_key: FCM keeps at most four collapse keys per offline device, and the host named none.
    assertThat(android).containsOnlyKeys("priority", "ttl", "notification")
        .containsEntry("priority", "high").containsEntry("ttl", "7200s");
    assertThat(map(android, "notification")).containsExactly(entry("tag", COLLAPSE));
    long expiration = clock.instant().plus(Duration.ofHours(2)).getEpochSecond();
    assertThat(map(map(m, "apns"), "headers")).containsOnly(entry("apns-priority", "10"), entry("apns-push-type", "alert"),
        entry("apns-expiration", Long.toString(expiration)), entry("apns-collapse-id", COLLAPSE));
    assertThat(map(m, "apns")).doesNotContainKey("payload");
    assertThat(map(map(m, "webpush"), "headers")).containsOnly(entry("TTL", "7200"), entry("Urgency", "high"));
    assertThat(map(map(m, "webpush"), "notification")).containsExactly(entry("tag", COLLAPSE));
    assertThat(map(map(m, "webpush"), "fcm_options")).containsExactly(entry("link", "https://shop.example.com/orders/42"));
  }

  @Test
  void normalUrgencyIsNormalPriorityEverywhere() {
    for (Urgency u : new Urgency[] {Urgency.VERY_LOW, Urgency.LOW, Urgency.NORMAL}) {
      Map<String, Object> m = sent(delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN), Content.of("t", "b"),
          new DeliveryOptions(Duration.ofMinutes(1), u, null)));
      assertThat(map(m, "android")).containsEntry("priority", "normal");
      assertThat(map(map(m, "apns"), "headers")).containsEntry("apns-priority", "5");
      assertThat(map(map(m, "webpush"), "headers")).containsEntry("Urgency", u.headerValue());
    }
  }

  @Test
  void dataOnlyMessageIsABackgroundPushWithoutANotificationBlock() {
    Content content = Content.builder().data("sync", "inbox").build();
    Map<String, Object> m = sent(delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN), content,
        new DeliveryOptions(Duration.ofMinutes(5), Urgency.HIGH, null)));

    assertThat(m).doesNotContainKey("notification");
    assertThat(map(m, "data")).containsExactly(entry("sync", "inbox"), entry("herald_id", COLLAPSE));
    assertThat(map(m, "android")).doesNotContainKeys("notification", "collapse_key").containsEntry("priority", "high");
    assertThat(map(m, "webpush")).doesNotContainKey("notification");
    assertThat(map(map(m, "webpush"), "headers")).doesNotContainKey("Topic");
    // Apple and FCM allow only priority 5 for data-only (content-available) pushes.
    assertThat(map(map(m, "apns"), "headers")).containsEntry("apns-priority", "5").containsEntry("apns-push-type", "background");
    assertThat(map(map(m, "apns"), "payload")).containsKey("aps");
    assertThat(map(map(map(m, "apns"), "payload"), "aps")).containsEntry("content-available", 1L);
  }

  @Test
  void zeroTimeToLiveIsNowOrNever() {
    Map<String, Object> m = sent(delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN), Content.of("t", "b"),
        DeliveryOptions.DEFAULTS.withTimeToLive(Duration.ZERO)));
    assertThat(map(m, "android")).containsEntry("ttl", "0s");
    assertThat(map(map(m, "apns"), "headers")).containsEntry("apns-expiration", "0");
    assertThat(map(map(m, "webpush"), "headers")).containsEntry("TTL", "0");
  }

  @Test
  void fractionalTimeToLiveIsRoundedDown() {
    Map<String, Object> m = sent(delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN), Content.of("t", "b"),
        DeliveryOptions.DEFAULTS.withTimeToLive(Duration.ofMillis(90_999))));
    assertThat(map(m, "android")).containsEntry("ttl", "90s");
  }

  @Test
  void explicitCollapseKeyCollapsesAtTheServiceAndOnScreenWhileTheIdStaysTheKeys() {
    DeliveryOptions options = DeliveryOptions.DEFAULTS.withCollapseKey("score-update");
    Map<String, Object> m = sent(delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN), Content.of("t", "b"), options));
    assertThat(map(m, "android")).containsEntry("collapse_key", "score-update");
    assertThat(map(map(m, "android"), "notification")).containsEntry("tag", "score-update");
    assertThat(map(map(m, "apns"), "headers")).containsEntry("apns-collapse-id", "score-update");
    assertThat(map(map(m, "webpush"), "headers")).containsEntry("Topic", "score-update");
    assertThat(map(map(m, "webpush"), "notification")).containsEntry("tag", "score-update");
    assertThat(map(m, "data")).containsExactly(entry("herald_id", COLLAPSE));
  }

  @Test
  void nonHttpsClickUrlIsNotSentToWebPush() {
    // FCM's webpush link must be https; other schemes than https and http are refused by Content itself.
    Content content = Content.builder().title("t").clickUrl(URI.create("http://app.example.org/orders/42")).build();
    Map<String, Object> m = sent(delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN), content, DeliveryOptions.DEFAULTS));
    assertThat(map(m, "webpush")).doesNotContainKey("fcm_options");
  }

  @Test
  void validateOnlyIsATopLevelDryRunFlag() {
    FcmTransport t = track(builder().validateOnly(true).build());
    // FCM names a dry run's message fake_message_id, and no device gets it.
    assertThat(await(t.send(toToken()))).isEqualTo(new Outcome.Delivered("projects/demo-project/messages/fake_message_id"));
    assertThat(fcm.requests().get(0).body()).containsEntry("validate_only", true);

    assertThat(await(transport().send(toToken()))).isInstanceOf(Outcome.Delivered.class);
    assertThat(fcm.requests()).last().satisfies(r -> assertThat(r.body()).doesNotContainKey("validate_only"));
  }

  @Test
  void topicBroadcastSendsTopicWithTagAndIdFromTheIdempotencyKey() {
    Outcome o = await(transport().sendToTopic("weather-berlin", "storm-2026-03-01", Content.of("Storm", "Stay in"),
        DeliveryOptions.DEFAULTS));
    assertThat(o).isInstanceOf(Outcome.Delivered.class);
    Map<String, Object> m = lastMessage();
    assertThat(m).containsEntry("topic", "weather-berlin").doesNotContainKeys("token", "fid", "condition");
    String id = CollapseKeys.fromIdempotencyKey("storm-2026-03-01");
    assertThat(map(m, "android")).doesNotContainKey("collapse_key");
    assertThat(map(map(m, "android"), "notification")).containsExactly(entry("tag", id));
    assertThat(map(m, "data")).containsExactly(entry("herald_id", id));
    assertThat(requestProblems()).isEmpty();
  }

  @Test
  void conditionBroadcastSendsTheCondition() {
    String condition = "'stock-GOOG' in topics || 'industry-tech' in topics";
    assertThat(await(transport().sendToCondition(condition, "k1", Content.of("t", "b"), DeliveryOptions.DEFAULTS)))
        .isInstanceOf(Outcome.Delivered.class);
    assertThat(lastMessage()).containsEntry("condition", condition);
  }

  @Test
  void broadcastThatFcmCallsAnInvalidTargetIsRejectedNotTargetGone() {
    fcm.answerWith(r -> fixture("invalid-token"));
    Outcome o = await(transport().sendToTopic("news", "k1", Content.of("t", "b"), DeliveryOptions.DEFAULTS));
    assertThat(o).isInstanceOf(Outcome.Rejected.class);
  }

  private Map<String, Object> sent(dev.herald.Delivery d) {
    assertThat(await(transport().send(d))).isInstanceOf(Outcome.Delivered.class);
    assertThat(requestProblems()).isEmpty();
    return lastMessage();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    assertThat(parent).containsKey(key);
    return (Map<String, Object>) parent.get(key);
  }
}
