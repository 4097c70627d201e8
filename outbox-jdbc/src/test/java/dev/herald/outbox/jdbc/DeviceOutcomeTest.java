package dev.herald.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.NotificationStatus.DeliveryStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.testing.MutableClock;
import dev.herald.testing.RecordingListener;
import dev.herald.testing.ScriptedTransport;
import dev.herald.testing.webpush.PushSubscriber;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rows of the outcome table that touch devices, driven through the engine ({@link Herald} and
 * {@code runOnce()}) against the real outbox. The transports answer with the {@link Outcome} that
 * the Web Push and FCM transports classify each provider answer as (their own tests check that
 * classification against the providers' documented responses); what is checked here is what the
 * engine and the outbox then do to the device and its deliveries.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class DeviceOutcomeTest {
  static final Outcome RETRY_IN_AN_HOUR = Outcome.retry(Duration.ofHours(1), "503", "push service answered 503");

  /** One row of the outcome table: a device of the row's channel and what its provider answered. */
  record Row(String name, DeviceTarget device, DeviceTarget sibling, Outcome outcome) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Row webPush(String name, Outcome o) {
    return new Row(name, PushSubscriber.generate().subscriptionAt("https://push.example.net/wp/" + name.hashCode()),
        PushSubscriber.generate().subscriptionAt("https://push.example.net/wp/sibling"), o);
  }

  static Row fcm(String name, DeviceTarget device, Outcome o) {
    return new Row(name, device, new DeviceTarget.FcmInstallation("cSiblingFid0123456789a"), o);
  }

  static Stream<Row> goneRows() {
    return Stream.of(
        webPush("Web Push 404", Outcome.targetGone("404",
            "push service answered 404: the subscription has expired or been unsubscribed")),
        webPush("Web Push 410", Outcome.targetGone("410",
            "push service answered 410: the subscription has expired or been unsubscribed")),
        fcm("FCM UNREGISTERED", new DeviceTarget.FcmToken("fExpiredToken:APA91bExample"), Outcome.targetGone("UNREGISTERED",
            "FCM 404 UNREGISTERED (the app instance is no longer registered): \"Requested entity was not found.\"")),
        fcm("FCM INVALID_ARGUMENT naming the token", new DeviceTarget.FcmToken("not-a-real-token"),
            Outcome.targetGone("INVALID_ARGUMENT", "FCM 400 INVALID_ARGUMENT (the device's token or installation id is not"
                + " valid): \"The registration token is not a valid FCM registration token\"")),
        fcm("FCM SENDER_ID_MISMATCH", new DeviceTarget.FcmInstallation("cForeignProjectFid0123"),
            Outcome.targetGone("SENDER_ID_MISMATCH",
                "FCM 403 SENDER_ID_MISMATCH (the device belongs to another Firebase project): \"SenderId mismatch\"")));
  }

  static Stream<Row> keepRows() {
    DeviceTarget fid = new DeviceTarget.FcmInstallation("cHealthyFid0123456789ab");
    return Stream.of(
        fcm("FCM INVALID_ARGUMENT naming a field", fid, Outcome.rejected("INVALID_ARGUMENT",
            "FCM 400 INVALID_ARGUMENT (invalid message [message.android.ttl]): \"Invalid value at 'message.android.ttl'\"")),
        webPush("Web Push 400", Outcome.rejected("400", "push service answered 400: it refused this request as malformed")),
        webPush("Web Push 413", Outcome.rejected("413", "push service answered 413: the encrypted payload is too large")),
        webPush("Web Push 401", new Outcome.ChannelUnavailable(null, "401",
            "push service answered 401: it rejected the VAPID authorization; check the VAPID key pair and subject")),
        webPush("Web Push 403", new Outcome.ChannelUnavailable(null, "403",
            "push service answered 403: it rejected the VAPID authorization; check the VAPID key pair and subject")),
        fcm("FCM THIRD_PARTY_AUTH_ERROR", fid, new Outcome.ChannelUnavailable(null, "THIRD_PARTY_AUTH_ERROR",
            "FCM 401 THIRD_PARTY_AUTH_ERROR (FCM could not authenticate to APNs or Web Push: fix the credentials in the"
                + " Firebase project): \"Auth error from APNS or Web Push Service\"")),
        fcm("FCM 401 after a token refresh", fid, new Outcome.ChannelUnavailable(null, "UNAUTHENTICATED",
            "FCM 401 UNAUTHENTICATED (FCM refused the OAuth2 access token even after a refresh: check the service account)")));
  }

  @Parameter
  Db db;

  Fixture fx;
  MutableClock clock;
  ScriptedTransport fcm;
  ScriptedTransport webPush;
  RecordingListener events;
  Herald herald;
  final Map<DeviceTarget, Outcome> answers = new ConcurrentHashMap<>();

  @BeforeEach
  void setUp() {
    fx = new Fixture(db);
    clock = MutableClock.at("2030-01-01T00:00:00Z");
    events = new RecordingListener();
    fcm = new ScriptedTransport(Channel.FCM).always(this::answer);
    webPush = new ScriptedTransport(Channel.WEB_PUSH).always(this::answer);
    herald = Herald.builder().store(fx.outbox).deviceRegistry(fx.outbox).transport(fcm).transport(webPush)
        .listener(events).clock(clock).instanceId("outcome-test").build();
  }

  @AfterEach
  void tearDown() {
    herald.close();
    fx.close();
  }

  private CompletableFuture<Outcome> answer(Delivery d) {
    return CompletableFuture.completedFuture(answers.getOrDefault(d.target(), Outcome.delivered("msg-" + d.deliveryId())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goneRows")
  void aGoneDeviceIsInvalidatedInTheOutcomesTransactionAndNothingMoreIsSentToIt(Row row) {
    herald.devices().register("member-1", row.device());
    herald.devices().register("member-1", row.sibling());
    answers.put(row.device(), RETRY_IN_AN_HOUR);
    enqueue("waiting");
    assertThat(herald.runOnce()).isEqualTo(2);
    answers.put(row.device(), row.outcome());

    Instant before = fx.dbNow();
    enqueue("gone");
    assertThat(herald.runOnce()).isEqualTo(2);
    Instant after = fx.dbNow();

    Device d = fx.outbox.find(row.device()).orElseThrow();
    assertThat(d.status()).isEqualTo(Device.Status.INVALID);
    assertThat(d.target().channel()).isEqualTo(row.device().channel());
    assertThat(d.invalidatedAt()).isBetween(before, after);
    assertThat(d.invalidReason()).isEqualTo(row.outcome().describe()).startsWith(row.outcome().rawCode() + ": ");
    assertThat(fx.outbox.find(row.sibling()).orElseThrow().status()).isEqualTo(Device.Status.ACTIVE);
    assertThat(events.events("invalidated")).containsExactly("invalidated gone");

    DeliveryStatus gone = to("gone", row.device());
    assertThat(gone.state()).isEqualTo(DeliveryState.TARGET_GONE);
    assertThat(gone.lastError()).isEqualTo(row.outcome().describe());
    DeliveryStatus waiting = to("waiting", row.device());
    assertThat(waiting.state()).as("the retry waiting for the gone device is finished, not sent")
        .isEqualTo(DeliveryState.TARGET_GONE);
    assertThat(waiting.lastError()).isEqualTo("device invalidated: " + row.outcome().describe());
    assertThat(waiting.attempts()).isEqualTo(1);
    assertThat(to("gone", row.sibling()).state()).isEqualTo(DeliveryState.DELIVERED);

    makeEverythingDue();
    assertThat(herald.runOnce()).isZero();
    enqueue("later");
    herald.runOnce();
    assertThat(sentTo(row.device())).containsExactly("waiting", "gone");
    assertThat(sentTo(row.sibling())).containsExactly("waiting", "gone", "later");

    // The app registers the same identity again (it works again): it receives again.
    answers.remove(row.device());
    assertThat(herald.devices().register("member-1", row.device()).status()).isEqualTo(Device.Status.ACTIVE);
    enqueue("back");
    herald.runOnce();
    assertThat(sentTo(row.device())).containsExactly("waiting", "gone", "back");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keepRows")
  void aMessageOrSenderProblemNeverInvalidatesTheDevice(Row row) {
    herald.devices().register("member-1", row.device());
    answers.put(row.device(), row.outcome());
    enqueue("first");
    assertThat(herald.runOnce()).isEqualTo(1);

    Device d = fx.outbox.find(row.device()).orElseThrow();
    assertThat(d.status()).isEqualTo(Device.Status.ACTIVE);
    assertThat(d.invalidatedAt()).isNull();
    assertThat(d.invalidReason()).isNull();
    assertThat(events.events("invalidated")).isEmpty();
    boolean senderProblem = row.outcome() instanceof Outcome.ChannelUnavailable;
    if (senderProblem) {
      assertThat(herald.paused(row.device().channel())).isTrue();
      assertThat(events.events("paused")).containsExactly("paused " + row.device().channel());
      assertThat(to("first", row.device()).state()).as("kept pending, not burned").isEqualTo(DeliveryState.PENDING);
      assertThat(to("first", row.device()).attempts()).isZero();
    } else {
      assertThat(to("first", row.device()).state()).isEqualTo(DeliveryState.DEAD);
      assertThat(to("first", row.device()).lastError()).isEqualTo(row.outcome().describe());
      assertThat(events.events("dead")).containsExactly("dead first");
    }

    // The problem is fixed: the same device receives the next notification (and the kept one).
    answers.remove(row.device());
    if (senderProblem) {
      clock.advance(Duration.ofSeconds(31));
      makeEverythingDue();
    }
    enqueue("second");
    herald.drain(5);
    assertThat(to("second", row.device()).state()).isEqualTo(DeliveryState.DELIVERED);
    if (senderProblem) {
      assertThat(to("first", row.device()).state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(sentTo(row.device())).containsExactlyInAnyOrder("first", "first", "second");
    } else {
      assertThat(sentTo(row.device())).containsExactly("first", "second");
    }
  }

  @Test
  void aMassOfTargetGoneTripsTheSafetyValveWhichPausesTheChannelAndKeepsTheDevices() {
    List<DeviceTarget> tokens = IntStream.range(0, 30)
        .mapToObj(i -> (DeviceTarget) new DeviceTarget.FcmToken("token-" + i + "-from-the-wrong-project")).toList();
    for (int i = 0; i < tokens.size(); i++) {
      herald.devices().register("member-" + i, tokens.get(i));
      answers.put(tokens.get(i), Outcome.targetGone("SENDER_ID_MISMATCH", "FCM 403 SENDER_ID_MISMATCH"));
      enqueue("n" + i, "member-" + i);
    }

    assertThat(herald.runOnce()).isEqualTo(30);

    // The valve needs 20 samples before it may trip: the first 19 "gone" invalidate, then it holds.
    List<Device> devices = tokens.stream().map(t -> fx.outbox.find(t).orElseThrow()).toList();
    assertThat(devices).filteredOn(d -> d.status() == Device.Status.INVALID).hasSize(19);
    assertThat(devices).filteredOn(d -> d.status() == Device.Status.ACTIVE).hasSize(11)
        .allSatisfy(d -> assertThat(d.invalidReason()).isNull());
    assertThat(herald.paused(Channel.FCM)).isTrue();
    assertThat(events.events("paused")).containsExactly("paused fcm");
    assertThat(events.events("dead")).isEmpty();
    assertThat(IntStream.range(0, 30).mapToObj(i -> fx.outbox.find("n" + i).orElseThrow().state()))
        .filteredOn(s -> s == DeliveryState.PENDING).hasSize(11);

    // The sender is fixed (right project): after the pause the kept messages reach the kept devices.
    answers.clear();
    clock.advance(Duration.ofSeconds(31));
    makeEverythingDue();
    herald.drain(10);
    assertThat(events.events("resumed")).containsExactly("resumed fcm");
    assertThat(IntStream.range(0, 30).mapToObj(i -> fx.outbox.find("n" + i).orElseThrow().state()))
        .containsOnly(DeliveryState.DELIVERED, DeliveryState.TARGET_GONE)
        .filteredOn(s -> s == DeliveryState.DELIVERED).hasSize(11);
  }

  @Test
  void expansionUsesTheDevicesCurrentWhenTheNotificationFallsDue() throws Exception {
    DeviceTarget legacy = new DeviceTarget.FcmToken("fLegacyToken:APA91bPhone");
    DeviceTarget phoneFid = new DeviceTarget.FcmInstallation("cPhoneFid0123456789abcd");
    DeviceTarget laptop = PushSubscriber.generate().subscriptionAt("https://push.example.net/wp/laptop");
    DeviceTarget tablet = new DeviceTarget.FcmInstallation("cTabletFid0123456789abc");
    herald.devices().register("member-1", legacy);
    herald.devices().register("member-1", laptop);
    herald.enqueue(Notification.builder("scheduled").recipient(Recipient.id("member-1")).title("Reminder")
        .notBefore(fx.dbNow().plusMillis(700)).build());
    assertThat(herald.runOnce()).as("never early").isZero();

    herald.devices().register("member-1", tablet);             // a device registered in between
    herald.devices().register("member-1", phoneFid, legacy);   // the phone's token refreshed to an installation id
    herald.devices().unregister(laptop);                       // logged out

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    int claimed = 0;
    while (claimed == 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      claimed = herald.runOnce();
    }
    assertThat(claimed).isEqualTo(2);
    assertThat(Stream.concat(fcm.sent().stream(), webPush.sent().stream()).map(Delivery::target))
        .containsExactlyInAnyOrder(tablet, phoneFid);
  }

  // ---------------------------------------------------------------- helpers

  private void enqueue(String key) {
    enqueue(key, "member-1");
  }

  private void enqueue(String key, String recipient) {
    herald.enqueue(Notification.builder(key).recipient(Recipient.id(recipient)).title("t").body("b").build());
  }

  private DeliveryStatus to(String key, DeviceTarget target) {
    return fx.outbox.find(key).orElseThrow().deliveries().stream().filter(d -> target.equals(d.target())).findFirst()
        .orElseThrow(() -> new AssertionError("no delivery of " + key + " to " + target));
  }

  private List<String> sentTo(DeviceTarget target) {
    return Stream.concat(fcm.sent().stream(), webPush.sent().stream()).filter(d -> d.target().equals(target))
        .map(Delivery::notificationKey).toList();
  }

  private void makeEverythingDue() {
    fx.execute("UPDATE ${p}delivery SET next_at = CURRENT_TIMESTAMP WHERE next_at IS NOT NULL");
  }
}
