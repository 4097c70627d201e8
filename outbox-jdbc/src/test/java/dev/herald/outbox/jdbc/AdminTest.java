package dev.herald.outbox.jdbc;

import static dev.herald.outbox.jdbc.testing.Fixture.toDevice;
import static dev.herald.outbox.jdbc.testing.Fixture.toRecipient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.RetryPolicy;
import dev.herald.store.OutboxStore;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.outbox.jdbc.testing.OnEachDatabase;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.store.Resolution;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminTest extends OnEachDatabase {
  OutboxAdmin admin;

  @BeforeEach
  void setUp() {
    admin = fx.outbox.admin();
  }

  private void kill(String... keys) {
    for (String k : keys) {
      fx.outbox.enqueue(toDevice(k));
    }
    for (ClaimedDelivery c : fx.claimFcm(100).deliveries()) {
      fx.outbox.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(),
          new Resolution.Dead(Outcome.rejected("400", "bad " + c.delivery().notificationKey())))));
    }
  }

  @Test
  void deadLettersAreListedByKeyIdAndTimeRange() throws Exception {
    Instant t0 = fx.dbNow();
    kill("dl-1", "dl-2");
    Thread.sleep(50);
    Instant t1 = fx.dbNow();
    kill("dl-3");
    Instant t2 = fx.dbNow().plusMillis(1);

    assertThat(admin.deadLetters(DeadLetterQuery.all())).extracting(DeadLetter::idempotencyKey)
        .containsExactlyInAnyOrder("dl-1", "dl-2", "dl-3");
    DeadLetter one = admin.deadLetters(DeadLetterQuery.byKey("dl-1")).get(0);
    assertThat(one.lastError()).isEqualTo("400: bad dl-1");
    assertThat(one.channel()).isEqualTo(Channel.FCM);
    assertThat(one.attempts()).isEqualTo(1);
    assertThat(one.diedAt()).isBetween(t0, t1);
    assertThat(admin.deadLetters(DeadLetterQuery.byNotificationId(one.notificationId()))).containsExactly(one);
    assertThat(admin.deadLetters(DeadLetterQuery.byDeliveryId(one.deliveryId()))).containsExactly(one);
    assertThat(admin.deadLetters(DeadLetterQuery.diedBetween(t1, t2))).extracting(DeadLetter::idempotencyKey)
        .containsExactly("dl-3");
    assertThat(admin.deadLetters(DeadLetterQuery.all().withLimit(1))).hasSize(1);
    assertThat(admin.deadLetters(DeadLetterQuery.byKey("unknown"))).isEmpty();
  }

  @Test
  void requeuedDeadLetterIsDeliveredWithAFreshAttemptBudget() {
    kill("again");
    assertThat(fx.outbox.find("again").orElseThrow().state()).isEqualTo(DeliveryState.DEAD);
    // While dead (finished), the key is still known.
    assertThat(fx.outbox.enqueue(toDevice("again")).duplicate()).isTrue();

    assertThat(admin.requeue(DeadLetterQuery.byKey("again"))).isEqualTo(1);

    ClaimedDelivery c = fx.claimOne();
    assertThat(c.delivery().notificationKey()).isEqualTo("again");
    assertThat(c.delivery().attempt()).isEqualTo(1);
    fx.outbox.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(), new Resolution.Delivered("ok"))));
    assertThat(fx.outbox.find("again").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(admin.deadLetters(DeadLetterQuery.all())).isEmpty();
    assertThat(admin.requeue(DeadLetterQuery.byKey("again"))).isZero();
  }

  @Test
  void requeuedDeadLetterAgesFromItsRequeueSoTheMaxAgeDoesNotKillItAgain() {
    kill("old");
    fx.execute("UPDATE ${p}notification SET created_at = created_at - INTERVAL '3' DAY WHERE idempotency_key = 'old'");
    Instant enqueued = fx.outbox.find("old").orElseThrow().enqueuedAt();
    RetryPolicy policy = RetryPolicy.defaults(); // max age 24 h
    Instant before = fx.dbNow();

    assertThat(admin.requeue(DeadLetterQuery.byKey("old"))).isEqualTo(1);
    ClaimedDelivery c = fx.claimOne();

    assertThat(c.enqueuedAt()).isBetween(before.minusSeconds(1), fx.dbNow());
    Duration age = Duration.between(c.enqueuedAt(), fx.dbNow());
    assertThat(policy.nextDelay(1, age, null)).as("a failed first attempt after the re-queue is retried").isPresent();
    // The record keeps the original enqueue time.
    assertThat(fx.outbox.find("old").orElseThrow().enqueuedAt()).isEqualTo(enqueued)
        .isBefore(before.minus(Duration.ofDays(2)));
  }

  @Test
  void requeueHonoursItsLimitAndFilters() {
    kill("a", "b", "c");
    assertThat(admin.requeue(DeadLetterQuery.all().withLimit(2))).isEqualTo(2);
    assertThat(admin.deadLetters(DeadLetterQuery.all())).hasSize(1);
    assertThat(fx.claimFcm(10).deliveries()).hasSize(2);
  }

  @Test
  void requeueWakesSubscribers() throws Exception {
    kill("wake");
    java.util.concurrent.CountDownLatch woken = new java.util.concurrent.CountDownLatch(1);
    try (OutboxStore.Running sub = fx.outbox.start(woken::countDown)) {
      admin.requeue(DeadLetterQuery.byKey("wake"));
      assertThat(woken.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void statsCountPerChannelAndStateWithTheOldestDueAge() throws Exception {
    kill("gone");
    Instant now = fx.dbNow();
    fx.outbox.enqueue(Notification.builder("old").recipient(Recipient.device(new DeviceTarget.FcmToken("o")))
        .title("x").notBefore(now.minusSeconds(120)).build());
    fx.outbox.enqueue(toDevice("new"));
    fx.outbox.enqueue(Notification.builder("future").recipient(Recipient.device(new DeviceTarget.FcmToken("f")))
        .title("x").notBefore(now.plusSeconds(3600)).build());
    fx.outbox.enqueue(Notification.builder("wp").recipient(Recipient.device(new DeviceTarget.WebPushSubscription(
        "https://push.example.net/s/1", "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        "tBHItJI5svbpez7KI4CCXg"))).title("x").build());
    fx.outbox.enqueue(toRecipient("unexpanded", "m"));

    OutboxStats s = admin.stats();

    assertThat(s.count(Channel.FCM, DeliveryState.PENDING)).isEqualTo(3);
    assertThat(s.count(Channel.FCM, DeliveryState.DEAD)).isEqualTo(1);
    assertThat(s.count(Channel.WEB_PUSH, DeliveryState.PENDING)).isEqualTo(1);
    assertThat(s.count(DeliveryState.DELIVERED)).isZero();
    assertThat(s.oldestDueAge(Channel.FCM)).isBetween(Duration.ofSeconds(119), Duration.ofSeconds(180));
    assertThat(s.awaitingExpansion()).isEqualTo(1);
    assertThat(s.oldestExpansionDue()).isLessThan(Duration.ofSeconds(60));
    assertThat(s.at()).isAfterOrEqualTo(now.minusSeconds(1));
  }

  @Test
  void expireLeasesHandsAnInstancesDeliveriesOverAtOnce() {
    fx.outbox.enqueue(toDevice("held"));
    ClaimedDelivery dead = fx.claim("crashed-instance", Channel.FCM, 10, Duration.ofHours(1)).deliveries().get(0);

    assertThat(admin.expireLeases("someone-else")).isZero();
    assertThat(admin.expireLeases("crashed-instance")).isEqualTo(1);

    ClaimedDelivery taken = fx.claim("survivor", Channel.FCM, 10, Duration.ofMinutes(1)).deliveries().get(0);
    assertThat(taken.delivery().deliveryId()).isEqualTo(dead.delivery().deliveryId());
    Completion late = new Completion(dead.delivery().deliveryId(), dead.fencingToken(), new Resolution.Delivered("late"));
    assertThat(fx.outbox.complete(List.of(late))).containsExactly(late);
  }

  @Test
  void findByNotificationIdSeesTheNotification() {
    long id = fx.outbox.enqueue(toDevice("by-id")).notificationId();
    assertThat(admin.find(id)).hasValueSatisfying(s -> assertThat(s.idempotencyKey()).isEqualTo("by-id"));
    assertThat(admin.find(id + 1000)).isEmpty();
    assertThat(admin.schemaVersion()).isEqualTo(4);
  }

  @Test
  void queryValidationNamesTheProblem() {
    assertThatThrownBy(() -> DeadLetterQuery.all().withLimit(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be 1-100000: 0");
    Instant t = Instant.parse("2030-01-01T00:00:00Z");
    assertThatThrownBy(() -> DeadLetterQuery.diedBetween(t, t)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("diedBefore must be after diedFrom");
  }
}
