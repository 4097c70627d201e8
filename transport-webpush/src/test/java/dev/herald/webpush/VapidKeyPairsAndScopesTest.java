package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.Channel;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.Scope;
import dev.herald.spi.InputValidator;
import dev.herald.testing.InMemoryOutboxStore;
import dev.herald.testing.RecordingListener;
import dev.herald.testing.Reply;
import dev.herald.testing.webpush.FakePushService;
import dev.herald.testing.webpush.PushRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several VAPID key pairs and the scopes they make: each subscription is signed with the pair it was
 * made with (a key rotation never meets a 403), and a push service that refuses one key pauses the
 * scope of that origin and key alone. herald-testing's fake push services answer 403 to a request
 * signed with another key than the subscription's, as real ones do.
 */
class VapidKeyPairsAndScopesTest {
  private static final String SUBJECT = "mailto:push-ops@herald.dev";
  private static final Pattern K = Pattern.compile("k=([A-Za-z0-9_-]+)");
  /** What the fake push service says of a request signed with another key than the subscription's. */
  private static final String KEY_MISMATCH = "not the applicationServerKey the subscription was made with";

  private final VapidKeys oldKeys = VapidKeys.generate();
  private final VapidKeys newKeys = VapidKeys.generate();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T opened(T c) {
    open.add(c);
    return c;
  }

  private FakePushService pushService() {
    return opened(FakePushService.builder().applicationServerKey(oldKeys.publicKeyBase64Url()).build());
  }

  private static WebPushTransport.Builder builder() {
    return WebPushTransport.builder().subject(SUBJECT)
        .endpointPolicy(EndpointPolicy.builder().allowHttp(true).allowLoopback(true).build())
        .connectTimeout(Duration.ofSeconds(2)).callTimeout(Duration.ofSeconds(10));
  }

  /** After a rotation: the old pair keeps its name and stays the default, the new one is added. */
  private WebPushTransport rotated() {
    return opened(builder().vapidKeys(oldKeys).vapidKeys("2027", newKeys).defaultVapidKey(WebPushTransport.DEFAULT_KEY_NAME)
        .build());
  }

  private static DeviceTarget.WebPushSubscription subscribe(FakePushService push, VapidKeys with) {
    return push.subscribe(with.publicKeyBase64Url());
  }

  /** The requests refused with 403 because they were signed with another key than the subscription's. */
  private static List<PushRequest> keyMismatches(FakePushService push) {
    return push.requests().stream()
        .filter(r -> r.reply().status() == 403 && r.problems().stream().anyMatch(p -> p.contains(KEY_MISMATCH))).toList();
  }

  /** What the service found wrong apart from a key that is not the subscription's. */
  private static List<String> violations(FakePushService push) {
    return push.problems().stream().filter(p -> !p.contains(KEY_MISMATCH)).toList();
  }

  /** The well-formed requests (rightly signed, encrypted for the browser), whatever the service answered. */
  private static List<PushRequest> received(FakePushService push) {
    return push.requests().stream().filter(r -> r.problems().isEmpty()).toList();
  }

  private static Delivery delivery(DeviceTarget target) {
    return new Delivery(1, "k", 1, target, Content.of("t", "b"), DeliveryOptions.DEFAULTS, "k", null);
  }

  private static String keyOf(PushRequest r) {
    Matcher m = K.matcher(r.header("Authorization"));
    return m.find() ? m.group(1) : "";
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void theScopeIsThePushServicesOriginAndTheKeyPairsName() {
    WebPushTransport t = rotated();
    String p256dh = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    DeviceTarget.WebPushSubscription chrome = new DeviceTarget.WebPushSubscription(
        "https://FCM.googleapis.com:443/fcm/send/abc", p256dh, "BTBZMqHH6r4Tts7J_aSIgg");
    DeviceTarget.WebPushSubscription safari = new DeviceTarget.WebPushSubscription(
        "https://web.push.apple.com/QGx7", p256dh, "BTBZMqHH6r4Tts7J_aSIgg");
    assertThat(t.scope(chrome)).isEqualTo(Scope.of(Channel.WEB_PUSH, "https://fcm.googleapis.com#default"));
    assertThat(t.scope(chrome.withVapidKey("default"))).as("the default named or not: one scope").isEqualTo(t.scope(chrome));
    assertThat(t.scope(chrome.withVapidKey("2027"))).isEqualTo(Scope.of(Channel.WEB_PUSH, "https://fcm.googleapis.com#2027"));
    assertThat(t.scope(safari.withVapidKey("2027")).name()).isEqualTo("https://web.push.apple.com#2027");
    assertThat(InputValidator.of(List.of(t)).scope(safari)).as("what a store records")
        .isEqualTo(Scope.of(Channel.WEB_PUSH, "https://web.push.apple.com#default"));
  }

  @Test
  void aSubscriptionNamingAKeyPairTheTransportLacksIsRefusedAtRegistrationAndRejectedAtSend() throws Exception {
    FakePushService push = pushService();
    WebPushTransport t = rotated();
    DeviceTarget.WebPushSubscription s = subscribe(push, newKeys).withVapidKey("2025");
    assertThatThrownBy(() -> t.validate(s)).isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).problems()).singleElement()
            .satisfies(p -> {
              assertThat(p.field()).isEqualTo("vapidKey");
              assertThat(p.message()).isEqualTo("must name one of this transport's VAPID key pairs [default, 2027]: \"2025\"");
            }));
    // Stored while the pair existed, then the pair was removed from the configuration.
    Outcome o = t.send(delivery(s)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(o).isInstanceOf(Outcome.Rejected.class);
    assertThat(((Outcome.Rejected) o).reason()).contains("vapidKey").contains("\"2025\"")
        .contains("which this transport does not have").contains("must subscribe again");
    assertThat(push.requestCount()).as("nothing sent").isZero();
  }

  @Test
  void theFakeRefusesARequestSignedWithAnotherKeyThanTheSubscriptions() throws Exception {
    // The control for the rotation test: a subscription made with the new key but stored without
    // its name is signed with the default (old) pair, and the push service answers 403.
    FakePushService push = pushService();
    Outcome o = rotated().send(delivery(subscribe(push, newKeys))).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.rawCode()).isEqualTo("403");
    assertThat(keyMismatches(push)).hasSize(1);
  }

  @Test
  void aKeyRotationSignsEverySubscriptionWithItsOwnPairAndNoPushServiceAnswers403() throws Exception {
    FakePushService push = pushService();
    RecordingListener events = new RecordingListener();
    InMemoryOutboxStore store;
    List<DeviceTarget.WebPushSubscription> before = new ArrayList<>();

    // Before the rotation: one pair, subscriptions recorded without a key name.
    WebPushTransport single = opened(builder().vapidKeys(oldKeys).build());
    store = new InMemoryOutboxStore().scopes(InputValidator.of(List.of(single)));
    for (int i = 0; i < 6; i++) {
      before.add(subscribe(push, oldKeys));
      store.register("user-" + i, before.get(i));
    }
    try (Herald herald = Herald.builder().store(store).transport(single).listener(events).instanceId("before").build()) {
      for (int i = 0; i < 6; i++) {
        herald.enqueue(Notification.builder("before-" + i).recipient(Recipient.id("user-" + i)).title("t").build());
      }
      herald.drain(10);
    }

    // The rotation: the new pair is added; browsers that subscribe from now on use it (and the host
    // records its name); user-0 re-subscribes, the others keep their old subscriptions.
    WebPushTransport rotated = rotated();
    InMemoryOutboxStore after = store.scopes(InputValidator.of(List.of(rotated)));
    for (int i = 6; i < 12; i++) {
      after.register("user-" + i, subscribe(push, newKeys).withVapidKey("2027"));
    }
    DeviceTarget.WebPushSubscription resubscribed = subscribe(push, newKeys).withVapidKey("2027");
    after.register("user-0", resubscribed, before.get(0));

    try (Herald herald = Herald.builder().store(after).transport(rotated).listener(events).instanceId("after").build()) {
      for (int i = 0; i < 12; i++) {
        herald.enqueue(Notification.builder("after-" + i).recipient(Recipient.id("user-" + i)).title("t").build());
      }
      herald.drain(10);
      for (int i = 0; i < 12; i++) {
        assertThat(herald.find("after-" + i).orElseThrow().state()).as("user-%d", i).isEqualTo(DeliveryState.DELIVERED);
      }
      assertThat(herald.find("after-0").orElseThrow().deliveries().get(0).scope().name()).endsWith("#2027");
      assertThat(herald.find("after-1").orElseThrow().deliveries().get(0).scope().name()).endsWith("#default");
    }
    assertThat(keyMismatches(push)).as("403 answers").isEmpty();
    assertThat(violations(push)).isEmpty();
    assertThat(events.events("paused")).isEmpty();
    assertThat(events.events("dead")).isEmpty();
    // Which key signed what: the five old subscriptions still the old key, six new and the re-subscribed one the new.
    long oldSigned = received(push).stream().filter(r -> keyOf(r).equals(oldKeys.publicKeyBase64Url())).count();
    long newSigned = received(push).stream().filter(r -> keyOf(r).equals(newKeys.publicKeyBase64Url())).count();
    assertThat(oldSigned).as("6 before the rotation, 5 after").isEqualTo(11);
    assertThat(newSigned).isEqualTo(7);
  }

  @Test
  void aPushServiceThatRefusesOneKeyPausesThatOriginAndKeyAloneWhileEveryOtherScopeDelivers() throws Exception {
    FakePushService apple = pushService();
    FakePushService mozilla = pushService();
    // "Apple" refuses our old key (as if it had been revoked there) and accepts the new one.
    apple.answerWith(r -> keyOf(r).equals(oldKeys.publicKeyBase64Url())
        ? Reply.status(403).withBody("{\"reason\":\"BadJwtToken\"}")
        : Reply.accept());
    WebPushTransport t = rotated();
    RecordingListener events = new RecordingListener();
    InMemoryOutboxStore store = new InMemoryOutboxStore().scopes(InputValidator.of(List.of(t)));
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      store.enqueue(Notification.builder("apple-old-" + i).recipient(Recipient.device(subscribe(apple, oldKeys))).title("t").build());
      store.enqueue(Notification.builder("apple-new-" + i)
          .recipient(Recipient.device(subscribe(apple, newKeys).withVapidKey("2027"))).title("t").build());
      store.enqueue(Notification.builder("mozilla-" + i).recipient(Recipient.device(subscribe(mozilla, oldKeys))).title("t").build());
      keys.add("apple-new-" + i);
      keys.add("mozilla-" + i);
    }
    Scope refused = Scope.of(Channel.WEB_PUSH, apple.origin() + "#default");
    try (Herald herald = Herald.builder().store(store).transport(t).listener(events).instanceId("scopes")
        .pollInterval(Duration.ofMillis(20)).channelPause(Duration.ofSeconds(30)).build()) {
      herald.start();
      await(() -> keys.stream().allMatch(k -> herald.find(k).orElseThrow().state() == DeliveryState.DELIVERED),
          "every delivery of the healthy scopes");
      // Sends to the refused scope that left before its pause come back refused and are put back:
      // wait until none is still in flight before looking at them.
      await(() -> java.util.stream.IntStream.range(0, 10)
          .allMatch(i -> herald.find("apple-old-" + i).orElseThrow().state() != DeliveryState.IN_FLIGHT),
          "the refused scope's deliveries put back");
      assertThat(herald.pausedScopes()).containsExactly(refused);
      assertThat(events.events("paused")).containsExactly("paused " + refused);
      for (int i = 0; i < 10; i++) {
        assertThat(herald.find("apple-old-" + i).orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
      }
      assertThat(received(apple).size() + received(mozilla).size()).isGreaterThanOrEqualTo(20);
    }
    assertThat(events.events("dead")).isEmpty();
    assertThat(violations(apple)).isEmpty();
    assertThat(violations(mozilla)).isEmpty();
  }

  @Test
  void aRepeated403BecomesRejectedOnlyAfterTheSameOriginAcceptedTheSameKeyPair() throws Exception {
    FakePushService push = pushService();
    WebPushTransport t = rotated();
    DeviceTarget.WebPushSubscription stale = subscribe(push, newKeys).withVapidKey("2027");
    push.answer(stale, Reply.status(403).withBody("{\"reason\":\"VapidPkHashMismatch\"}"));
    assertThat(send(t, stale)).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(send(t, subscribe(push, oldKeys))).as("the old pair works here").isInstanceOf(Outcome.Delivered.class);
    assertThat(send(t, stale)).as("which proves nothing about the new pair").isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(send(t, subscribe(push, newKeys).withVapidKey("2027"))).isInstanceOf(Outcome.Delivered.class);
    Outcome third = send(t, stale);
    assertThat(third).isInstanceOf(Outcome.Rejected.class);
    assertThat(((Outcome.Rejected) third).reason()).contains("for this subscription only");
  }

  private static Outcome send(WebPushTransport t, DeviceTarget.WebPushSubscription s) throws Exception {
    return t.send(delivery(s)).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
