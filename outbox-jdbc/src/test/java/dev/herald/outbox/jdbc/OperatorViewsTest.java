package dev.herald.outbox.jdbc;

import static dev.herald.outbox.jdbc.testing.Fixture.toDevice;
import static dev.herald.outbox.jdbc.testing.Fixture.toRecipient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.NotificationDetail.DeliveryDetail;
import dev.herald.outbox.jdbc.testing.OnEachDatabase;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.store.Resolution;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operator's read models: overview, recipient timeline, notification detail, dead-letter filters. */
class OperatorViewsTest extends OnEachDatabase {
  // Bidi and other format characters are refused in identifiers (they make two ids look alike), so a
  // hostile id is markup, quotes and SQL; provider texts, which are stored as given, carry the bidi.
  static final String HOSTILE = "<img src=x onerror=alert(1)>'\"; DROP TABLE x; --evil";

  OutboxAdmin admin;

  @BeforeEach
  void setUp() {
    admin = fx.outbox.admin();
  }

  /** Claims everything due on a channel and completes each claim with what {@code decide} says. */
  private List<ClaimedDelivery> settle(Channel channel, Function<ClaimedDelivery, Resolution> decide) {
    List<ClaimedDelivery> claimed = fx.claim("test", channel, 1000, Duration.ofMinutes(5)).deliveries();
    List<Completion> done = new ArrayList<>();
    for (ClaimedDelivery c : claimed) {
      Resolution r = decide.apply(c);
      if (r != null) {
        done.add(new Completion(c.delivery().deliveryId(), c.fencingToken(), r));
      }
    }
    fx.outbox.complete(done);
    return claimed;
  }

  private static Notification to(String key, DeviceTarget target, Instant notBefore) {
    return Notification.builder(key).recipient(Recipient.device(target)).title("title " + key).notBefore(notBefore).build();
  }

  private static DeviceTarget webPush(String path) {
    return new DeviceTarget.WebPushSubscription("https://push.example.net/s/" + path,
        "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "tBHItJI5svbpez7KI4CCXg");
  }

  @Test
  void overviewCountsOpenWorkDeadAndRecentOutcomesPerChannel() {
    Instant now = fx.dbNow();
    fx.outbox.enqueue(toDevice("delivered"));
    fx.outbox.enqueue(toDevice("dead"));
    fx.outbox.enqueue(toDevice("gone"));
    fx.outbox.enqueue(toDevice("retrying"));
    fx.outbox.enqueue(toDevice("old-delivered"));
    Map<String, Resolution> plan = Map.of(
        "delivered", new Resolution.Delivered("p1"),
        "old-delivered", new Resolution.Delivered("p2"),
        "dead", new Resolution.Dead(Outcome.rejected("400", "bad field")),
        "gone", new Resolution.TargetGone((Outcome.TargetGone) Outcome.targetGone("404", "gone"), true),
        "retrying", new Resolution.Retry(Duration.ofHours(1), Outcome.retry("503", "busy")));
    settle(Channel.FCM, c -> plan.get(c.delivery().notificationKey()));
    fx.execute("UPDATE ${p}delivery SET finished_at = finished_at - INTERVAL '2' HOUR WHERE notification_id ="
        + " (SELECT id FROM ${p}notification WHERE idempotency_key = 'old-delivered')");
    fx.outbox.enqueue(toDevice("in-flight"));
    fx.claimFcm(10);
    fx.outbox.enqueue(to("overdue", new DeviceTarget.FcmToken("o"), now.minusSeconds(120)));
    fx.outbox.enqueue(to("due", new DeviceTarget.FcmToken("d"), null));
    fx.outbox.enqueue(to("future", new DeviceTarget.FcmToken("f"), now.plusSeconds(3600)));
    fx.outbox.enqueue(to("wp", webPush("1"), null));
    fx.outbox.enqueue(toRecipient("unexpanded", "member-1"));

    OutboxOverview o = admin.overview();

    assertThat(o.channels()).extracting(OutboxOverview.ChannelSummary::channel).containsExactly(Channel.FCM, Channel.WEB_PUSH);
    OutboxOverview.ChannelSummary fcm = o.channels().get(0);
    assertThat(fcm.pending()).as("overdue, due, future, retrying").isEqualTo(4);
    assertThat(fcm.dueNow()).as("overdue, due").isEqualTo(2);
    assertThat(fcm.retrying()).isEqualTo(1);
    assertThat(fcm.inFlight()).isEqualTo(1);
    assertThat(fcm.dead()).isEqualTo(1);
    assertThat(fcm.deliveredRecently()).as("the one finished two hours ago is not recent").isEqualTo(1);
    assertThat(fcm.deadRecently()).isEqualTo(1);
    assertThat(fcm.goneRecently()).isEqualTo(1);
    assertThat(fcm.oldestDueAge()).isBetween(Duration.ofSeconds(119), Duration.ofSeconds(180));
    OutboxOverview.ChannelSummary wp = o.channels().get(1);
    assertThat(wp.pending()).isEqualTo(1);
    assertThat(wp.dueNow()).isEqualTo(1);
    assertThat(wp.dead()).isZero();
    assertThat(o.awaitingExpansion()).isEqualTo(1);
    assertThat(o.throughput()).hasSize(1).first().satisfies(m -> {
      assertThat(m.channel()).isEqualTo(Channel.FCM);
      assertThat(m.delivered()).isEqualTo(1);
      assertThat(m.failed()).as("dead and gone").isEqualTo(2);
      assertThat(m.start()).isBetween(o.at().minusSeconds(61), o.at());
      assertThat(m.start().getEpochSecond() % 60).isZero();
    });
  }

  @Test
  void overviewCountsStopAtTheCapPerChannelAndSaySoWhileOldestAgesStayExact() {
    Instant now = fx.dbNow();
    fx.outbox.enqueue(to("oldest", new DeviceTarget.FcmToken("o"), now.minusSeconds(600)));
    for (int i = 0; i < 4; i++) {
      fx.outbox.enqueue(to("fcm-" + i, new DeviceTarget.FcmToken("t" + i), null));
    }
    fx.outbox.enqueue(to("wp-1", webPush("1"), null));
    fx.outbox.enqueue(to("wp-2", webPush("2"), null));

    OutboxOverview capped = admin.overview(3);

    assertThat(capped.partial()).isTrue();
    assertThat(capped.channels()).extracting(OutboxOverview.ChannelSummary::channel).containsExactly(Channel.FCM, Channel.WEB_PUSH);
    assertThat(capped.channels().get(0).pending()).as("a lower bound").isEqualTo(3);
    assertThat(capped.channels().get(0).oldestDueAge()).as("exact").isBetween(Duration.ofSeconds(599), Duration.ofSeconds(700));
    assertThat(capped.channels().get(1).pending()).as("the other channel is still counted").isEqualTo(2);
    OutboxOverview full = admin.overview();
    assertThat(full.partial()).isFalse();
    assertThat(full.channels().get(0).pending()).isEqualTo(5);
  }

  @Test
  void overviewOfAnEmptyOutboxHasNoChannels() {
    OutboxOverview o = admin.overview();
    assertThat(o.channels()).isEmpty();
    assertThat(o.throughput()).isEmpty();
    assertThat(o.awaitingExpansion()).isZero();
    assertThat(o.oldestExpansionDue()).isZero();
    assertThat(o.partial()).isFalse();
  }

  @Test
  void recipientTimelineShowsEveryNotificationWithItsDeliveriesAndTheDevices() {
    String member = "member-7";
    fx.outbox.register(member, new DeviceTarget.FcmInstallation("phone-fid-0001"));
    fx.outbox.register(member, new DeviceTarget.FcmToken("tablet-token-0001"));
    fx.outbox.register("someone-else", new DeviceTarget.FcmToken("other-token"));
    Instant due = fx.dbNow().minusSeconds(5);
    long first = fx.outbox.enqueue(Notification.builder("n1").recipient(Recipient.id(member)).title("first")
        .notBefore(due).build()).notificationId();
    fx.outbox.enqueue(toRecipient("n2", member));
    fx.outbox.enqueue(toRecipient("other", "someone-else"));
    // Expand and send: the phone accepts, the tablet's token is gone.
    settle(Channel.FCM, c -> c.delivery().target() instanceof DeviceTarget.FcmInstallation
        ? new Resolution.Delivered("msg-1")
        : new Resolution.TargetGone((Outcome.TargetGone) Outcome.targetGone("UNREGISTERED", "FCM 404 UNREGISTERED"), true));
    fx.outbox.enqueue(toRecipient("n3", member)); // not yet due... due now, but not expanded

    RecipientTimeline page1 = admin.recipientTimeline(member, null, 2);

    assertThat(page1.recipientId()).isEqualTo(member);
    assertThat(page1.notifications()).extracting(NotificationDetail::idempotencyKey).containsExactly("n3", "n2");
    assertThat(page1.nextBefore()).isNotNull();
    NotificationDetail n3 = page1.notifications().get(0);
    assertThat(n3.state()).isEqualTo(DeliveryState.PENDING);
    assertThat(n3.deliveries()).isEmpty();
    assertThat(page1.devices()).hasSize(2);
    Device tablet = page1.devices().stream().filter(d -> d.target() instanceof DeviceTarget.FcmToken).findFirst().orElseThrow();
    assertThat(tablet.status()).isEqualTo(Device.Status.INVALID);
    assertThat(tablet.invalidReason()).contains("UNREGISTERED");
    assertThat(page1.moreDevices()).isFalse();

    RecipientTimeline page2 = admin.recipientTimeline(member, page1.nextBefore(), 2);
    assertThat(page2.notifications()).extracting(NotificationDetail::idempotencyKey).containsExactly("n1");
    assertThat(page2.nextBefore()).isNull();
    NotificationDetail n1 = page2.notifications().get(0);
    assertThat(n1.notificationId()).isEqualTo(first);
    assertThat(n1.title()).isEqualTo("first");
    assertThat(n1.recipientId()).isEqualTo(member);
    assertThat(n1.dueAt()).isEqualTo(due);
    assertThat(n1.state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(n1.finishedAt()).isNotNull();
    assertThat(n1.deliveryCount()).isEqualTo(2);
    assertThat(n1.deliveries()).extracting(DeliveryDetail::state)
        .containsExactlyInAnyOrder(DeliveryState.DELIVERED, DeliveryState.TARGET_GONE);
    DeliveryDetail gone = n1.deliveries().stream().filter(d -> d.state() == DeliveryState.TARGET_GONE).findFirst().orElseThrow();
    assertThat(gone.lastError()).isEqualTo("UNREGISTERED: FCM 404 UNREGISTERED");
    assertThat(gone.attempts()).isEqualTo(1);
    assertThat(gone.target()).isEqualTo(new DeviceTarget.FcmToken("tablet-token-0001"));
    assertThat(gone.channel()).isEqualTo(Channel.FCM);

    assertThat(admin.recipientTimeline("nobody", null, 10).notifications()).isEmpty();
  }

  @Test
  void timelineBoundsDeliveriesPerNotificationAndDevices() {
    String member = "many-devices";
    for (int i = 0; i < OutboxAdmin.MAX_DELIVERIES_SHOWN + 3; i++) {
      fx.outbox.register(member, new DeviceTarget.FcmToken("token-" + i));
    }
    fx.outbox.enqueue(toRecipient("wide", member));
    fx.claimFcm(1000); // expands to one delivery per device

    RecipientTimeline t = admin.recipientTimeline(member, null, 10);

    NotificationDetail wide = t.notifications().get(0);
    assertThat(wide.deliveryCount()).isEqualTo(OutboxAdmin.MAX_DELIVERIES_SHOWN + 3);
    assertThat(wide.deliveries()).hasSize(OutboxAdmin.MAX_DELIVERIES_SHOWN);
    assertThat(wide.state()).isEqualTo(DeliveryState.IN_FLIGHT);
    assertThat(t.devices()).hasSize(OutboxAdmin.MAX_DELIVERIES_SHOWN + 3);
    assertThat(t.moreDevices()).isFalse();
    assertThatThrownBy(() -> admin.recipientTimeline(member, null, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be 1-200: 0");
    assertThatThrownBy(() -> admin.recipientTimeline("", null, 10)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void notificationByKeyOrIdInDetailWithHostileTextAsPlainValues() {
    Instant due = fx.dbNow().plusSeconds(600);
    Instant expires = due.plusSeconds(600);
    long id = fx.outbox.enqueue(Notification.builder(HOSTILE).recipient(Recipient.id(HOSTILE)).title(HOSTILE)
        .notBefore(due).expiresAt(expires).build()).notificationId();

    NotificationDetail byKey = admin.notification(HOSTILE).orElseThrow();
    assertThat(byKey.notificationId()).isEqualTo(id);
    assertThat(byKey.idempotencyKey()).isEqualTo(HOSTILE);
    assertThat(byKey.recipientId()).isEqualTo(HOSTILE);
    assertThat(byKey.title()).isEqualTo(HOSTILE);
    assertThat(byKey.state()).isEqualTo(DeliveryState.PENDING);
    assertThat(byKey.dueAt()).isEqualTo(due);
    assertThat(byKey.expiresAt()).isEqualTo(expires);
    assertThat(byKey.finishedAt()).isNull();
    assertThat(admin.notification(id)).contains(byKey);
    assertThat(admin.notification("no such key")).isEmpty();
    assertThat(admin.notification(id + 1000)).isEmpty();
    assertThat(admin.recipientTimeline(HOSTILE, null, 5).notifications()).containsExactly(byKey);

    fx.outbox.cancel(HOSTILE, "because");
    NotificationDetail cancelled = admin.notification(id).orElseThrow();
    assertThat(cancelled.state()).isEqualTo(DeliveryState.CANCELLED);
    assertThat(cancelled.reason()).isEqualTo("because");
    assertThat(cancelled.finishedAt()).isNotNull();
  }

  @Test
  void explicitDeviceNotificationShowsItsTarget() {
    fx.outbox.enqueue(to("direct", webPush("secret-path"), null));
    NotificationDetail d = admin.notification("direct").orElseThrow();
    assertThat(d.recipientId()).isNull();
    assertThat(d.dueAt()).isNotNull();
    assertThat(d.deliveries()).singleElement().satisfies(x -> {
      assertThat(x.target()).isEqualTo(webPush("secret-path"));
      assertThat(x.channel()).isEqualTo(Channel.WEB_PUSH);
      assertThat(x.nextAt()).isNotNull();
      assertThat(x.toString()).doesNotContain("secret-path");
    });
  }

  private void killFor(String key, String recipient, DeviceTarget target) {
    fx.outbox.register(recipient, target);
    fx.outbox.enqueue(toRecipient(key, recipient));
    settle(target.channel(), c -> new Resolution.Dead(Outcome.rejected("400", "bad " + c.delivery().notificationKey())));
    fx.outbox.unregister(target); // the recipient's next notification goes to the next device only
  }

  @Test
  void deadLettersFilterByRecipientChannelAndTimeAndPageNewestFirst() throws Exception {
    killFor("a1", "alice", new DeviceTarget.FcmToken("alice-phone"));
    killFor("b1", "bob", new DeviceTarget.FcmToken("bob-phone"));
    killFor("b2", "bob", webPush("bob-browser"));
    Thread.sleep(20);
    Instant middle = fx.dbNow();
    Thread.sleep(20);
    killFor("a2", "alice", new DeviceTarget.FcmToken("alice-phone"));
    killFor("c1", HOSTILE, new DeviceTarget.FcmToken("hostile-phone"));

    assertThat(admin.deadLetters(DeadLetterQuery.all().withRecipient("bob"))).extracting(DeadLetter::idempotencyKey)
        .containsExactly("b1", "b2");
    assertThat(admin.deadLetters(DeadLetterQuery.all().withRecipient(HOSTILE))).extracting(DeadLetter::recipientId)
        .containsExactly(HOSTILE);
    assertThat(admin.deadLetters(DeadLetterQuery.all().withChannel(Channel.WEB_PUSH))).extracting(DeadLetter::idempotencyKey)
        .containsExactly("b2");
    assertThat(admin.deadLetters(DeadLetterQuery.all().withRecipient("alice").withDiedBetween(middle, null)))
        .extracting(DeadLetter::idempotencyKey).containsExactly("a2");
    assertThat(admin.deadLetters(DeadLetterQuery.all().withDiedBetween(null, middle)))
        .extracting(DeadLetter::idempotencyKey).containsExactly("a1", "b1", "b2");
    assertThat(admin.deadLetters(DeadLetterQuery.byKey("a1").withRecipient("bob"))).isEmpty();

    // Newest first, two per page, until a page comes back short: every letter once, in order.
    List<String> seen = new ArrayList<>();
    DeadLetterQuery q = DeadLetterQuery.all().orderNewestFirst().withLimit(2);
    List<DeadLetter> page = admin.deadLetters(q);
    while (true) {
      page.forEach(d -> seen.add(d.idempotencyKey()));
      if (page.size() < 2) {
        break;
      }
      DeadLetter last = page.get(page.size() - 1);
      page = admin.deadLetters(q.after(last.diedAt(), last.deliveryId()));
    }
    assertThat(seen).containsExactly("c1", "a2", "b2", "b1", "a1");
    // The same walk oldest first.
    DeadLetter oldest = admin.deadLetters(DeadLetterQuery.all().withLimit(1)).get(0);
    assertThat(admin.deadLetters(DeadLetterQuery.all().after(oldest.diedAt(), oldest.deliveryId())))
        .extracting(DeadLetter::idempotencyKey).containsExactly("b1", "b2", "a2", "c1");
  }

  @Test
  void countStopsAtTheLimitAndReQueueOfWhatWasCountedLeavesLaterDeathsAlone() throws Exception {
    killFor("x1", "xavier", new DeviceTarget.FcmToken("x-phone"));
    killFor("x2", "xavier", new DeviceTarget.FcmToken("x-phone"));
    killFor("y1", "yvonne", new DeviceTarget.FcmToken("y-phone"));

    DeadLetterCount all = admin.countDeadLetters(DeadLetterQuery.all());
    assertThat(all.count()).isEqualTo(3);
    assertThat(all.capped()).isFalse();
    DeadLetterCount capped = admin.countDeadLetters(DeadLetterQuery.all().withLimit(2));
    assertThat(capped.count()).isEqualTo(2);
    assertThat(capped.capped()).isTrue();

    DeadLetterCount xs = admin.countDeadLetters(DeadLetterQuery.all().withRecipient("xavier"));
    assertThat(xs.count()).isEqualTo(2);
    Thread.sleep(20);
    killFor("x3", "xavier", new DeviceTarget.FcmToken("x-phone")); // dies after the operator counted
    int requeued = admin.requeue(DeadLetterQuery.all().withRecipient("xavier").withDiedBetween(null, xs.at())
        .withLimit(DeadLetterQuery.MAX_LIMIT));
    assertThat(requeued).isEqualTo(2);
    assertThat(admin.deadLetters(DeadLetterQuery.all())).extracting(DeadLetter::idempotencyKey)
        .containsExactlyInAnyOrder("y1", "x3");
  }

  @Test
  void reQueueOfSelectedDeliveryIdsTouchesOnlyThoseThatAreDead() {
    killFor("s1", "sam", new DeviceTarget.FcmToken("s-phone"));
    killFor("s2", "sam", new DeviceTarget.FcmToken("s-phone"));
    fx.outbox.enqueue(toDevice("alive"));
    Set<Long> ids = new HashSet<>();
    admin.deadLetters(DeadLetterQuery.byKey("s1")).forEach(d -> ids.add(d.deliveryId()));
    long alive = admin.notification("alive").orElseThrow().deliveries().get(0).deliveryId();
    ids.add(alive);

    assertThat(admin.requeue(DeadLetterQuery.byDeliveryIds(List.copyOf(ids)))).isEqualTo(1);
    assertThat(admin.deadLetters(DeadLetterQuery.all())).extracting(DeadLetter::idempotencyKey).containsExactly("s2");
    assertThat(admin.notification("s1").orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
  }

  @Test
  void queryValidationNamesTheProblem() {
    List<Long> tooMany = new ArrayList<>();
    for (long i = 0; i <= DeadLetterQuery.MAX_DELIVERY_IDS; i++) {
      tooMany.add(i);
    }
    assertThatThrownBy(() -> DeadLetterQuery.byDeliveryIds(tooMany)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deliveryIds must hold at most 1000 ids: 1001");
    assertThatThrownBy(() -> DeadLetterQuery.all().withRecipient("bad\nid")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("recipientId");
    assertThatThrownBy(() -> new DeadLetterQuery(null, null, null, null, null, 10, null, null, null, Instant.EPOCH, null, false, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("afterDiedAt and afterDeliveryId must be given together");
  }
}
