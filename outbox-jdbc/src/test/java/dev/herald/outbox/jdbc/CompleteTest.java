package dev.herald.outbox.jdbc;

import static dev.herald.outbox.jdbc.testing.Fixture.toDevice;
import static dev.herald.outbox.jdbc.testing.Fixture.toRecipient;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.NotificationStatus.DeliveryStatus;
import dev.herald.NotificationStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.outbox.jdbc.testing.OnEachDatabase;
import dev.herald.store.ClaimBatch;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.store.Resolution;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompleteTest extends OnEachDatabase {
  private DeliveryStatus only(String key) {
    return fx.outbox.find(key).orElseThrow().deliveries().get(0);
  }

  private List<Completion> complete(ClaimedDelivery c, Resolution r) {
    return fx.outbox.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(), r)));
  }

  @Test
  void deliveredRecordsProviderIdAndOneAttempt() {
    fx.outbox.enqueue(toDevice("d"));
    assertThat(complete(fx.claimOne(), new Resolution.Delivered("projects/p/messages/1"))).isEmpty();

    DeliveryStatus s = only("d");
    assertThat(s.state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(s.attempts()).isEqualTo(1);
    assertThat(s.providerId()).isEqualTo("projects/p/messages/1");
    assertThat(fx.outbox.find("d").orElseThrow().reason()).isNull();
  }

  @Test
  void retryCountsTheAttemptAndIsDueAfterTheDelayOnTheDatabaseClock() throws Exception {
    fx.outbox.enqueue(toDevice("r"));
    ClaimedDelivery c = fx.claimOne();
    Instant recorded = fx.dbNow();
    complete(c, new Resolution.Retry(Duration.ofMillis(600), Outcome.retry("503", "Service Unavailable")));

    DeliveryStatus s = only("r");
    assertThat(s.state()).isEqualTo(DeliveryState.PENDING);
    assertThat(s.attempts()).isEqualTo(1);
    assertThat(s.lastError()).isEqualTo("503: Service Unavailable");
    assertThat(fx.claimFcm(10).deliveries()).as("not before the delay").isEmpty();

    ClaimBatch again = awaitClaim();
    assertThat(again.storeNow()).isAfterOrEqualTo(recorded.plusMillis(600));
    assertThat(again.deliveries().get(0).delivery().attempt()).isEqualTo(2);
  }

  @Test
  void releaseDoesNotCountAnAttempt() {
    fx.outbox.enqueue(toDevice("rel"));
    complete(fx.claimOne(), new Resolution.Release(Duration.ZERO, "channel fcm paused"));

    DeliveryStatus s = only("rel");
    assertThat(s.state()).isEqualTo(DeliveryState.PENDING);
    assertThat(s.attempts()).isZero();
    assertThat(s.lastError()).isEqualTo("released: channel fcm paused");
    assertThat(fx.claimOne().delivery().attempt()).isEqualTo(1);
  }

  @Test
  void deadKeepsTheLastErrorAndAttempts() {
    fx.outbox.enqueue(toDevice("dead"));
    complete(fx.claimOne(), new Resolution.Retry(Duration.ZERO, Outcome.retry("500", "oops")));
    complete(fx.claimOne(), new Resolution.Dead(Outcome.rejected("400", "INVALID_ARGUMENT: message.data")));

    NotificationStatus n = fx.outbox.find("dead").orElseThrow();
    assertThat(n.state()).isEqualTo(DeliveryState.DEAD);
    assertThat(n.reason()).isEqualTo("400: INVALID_ARGUMENT: message.data");
    assertThat(n.deliveries().get(0).attempts()).isEqualTo(2);
    assertThat(fx.outbox.admin().deadLetters(DeadLetterQuery.byKey("dead"))).singleElement()
        .satisfies(d -> assertThat(d.attempts()).isEqualTo(2));
  }

  @Test
  void cancelledByAGuardAndExpiredAreTerminalWithoutAnAttempt() {
    fx.outbox.enqueue(toDevice("vetoed"));
    fx.outbox.enqueue(toDevice("expired"));
    ClaimBatch b = fx.claimFcm(10);
    for (ClaimedDelivery c : b.deliveries()) {
      complete(c, c.delivery().notificationKey().equals("vetoed") ? new Resolution.Cancelled("schedule already started")
          : new Resolution.Expired());
    }

    assertThat(only("vetoed").state()).isEqualTo(DeliveryState.CANCELLED);
    assertThat(only("vetoed").lastError()).isEqualTo("vetoed by the guard: schedule already started");
    assertThat(only("vetoed").attempts()).isZero();
    assertThat(only("expired").state()).isEqualTo(DeliveryState.EXPIRED);
    assertThat(only("expired").attempts()).isZero();
    assertThat(fx.claimFcm(10).deliveries()).isEmpty();
  }

  @Test
  void targetGoneInvalidatesTheDeviceAndFinishesItsOtherPendingDeliveries() {
    DeviceTarget dying = new DeviceTarget.FcmToken("dying-token");
    DeviceTarget healthy = new DeviceTarget.FcmInstallation("healthy-fid");
    fx.outbox.register("member-1", dying);
    fx.outbox.register("member-1", healthy);
    fx.outbox.enqueue(toRecipient("first", "member-1"));
    fx.outbox.enqueue(toRecipient("second", "member-1"));
    ClaimBatch b = fx.claimFcm(1);  // expands both, claims one delivery
    ClaimedDelivery toDying = b.deliveries().get(0).delivery().target().equals(dying) ? b.deliveries().get(0) : null;
    if (toDying == null) {
      complete(b.deliveries().get(0), new Resolution.Release(Duration.ZERO, "test reorder"));
      toDying = claimFor(dying);
    }

    assertThat(complete(toDying, new Resolution.TargetGone((Outcome.TargetGone) Outcome.targetGone("UNREGISTERED",
        "token is not registered"), true))).isEmpty();

    Device d = fx.outbox.find(dying).orElseThrow();
    assertThat(d.status()).isEqualTo(Device.Status.INVALID);
    assertThat(d.invalidReason()).isEqualTo("UNREGISTERED: token is not registered");
    assertThat(d.invalidatedAt()).isNotNull();
    assertThat(fx.outbox.find(healthy).orElseThrow().status()).isEqualTo(Device.Status.ACTIVE);
    List<DeliveryStatus> all = new ArrayList<>();
    all.addAll(fx.outbox.find("first").orElseThrow().deliveries());
    all.addAll(fx.outbox.find("second").orElseThrow().deliveries());
    assertThat(all).filteredOn(s -> s.target().equals(dying)).allSatisfy(s -> {
      assertThat(s.state()).isEqualTo(DeliveryState.TARGET_GONE);
      assertThat(s.lastError()).contains("UNREGISTERED");
    });
    assertThat(all).filteredOn(s -> s.target().equals(healthy)).allMatch(s -> s.state() != DeliveryState.TARGET_GONE);
    // The dying device is never claimed again.
    List<ClaimedDelivery> rest = drain();
    assertThat(rest).extracting(c -> c.delivery().target()).containsOnly(healthy);
  }

  @Test
  void targetGoneWithoutInvalidationKeepsTheDevice() {
    DeviceTarget t = new DeviceTarget.FcmToken("kept-token");
    fx.outbox.register("member-2", t);
    fx.outbox.enqueue(toRecipient("x", "member-2"));
    complete(fx.claimOne(), new Resolution.TargetGone((Outcome.TargetGone) Outcome.targetGone("404", "gone"), false));

    assertThat(fx.outbox.find(t).orElseThrow().status()).isEqualTo(Device.Status.ACTIVE);
    assertThat(only("x").state()).isEqualTo(DeliveryState.TARGET_GONE);
  }

  @Test
  void targetGoneForAnExplicitTargetInvalidatesItIfRegistered() {
    DeviceTarget t = new DeviceTarget.FcmToken("explicit-token");
    fx.outbox.register("member-3", t);
    fx.outbox.enqueue(Notification.builder("explicit").recipient(Recipient.device(t)).title("x").build());
    complete(fx.claimOne(), new Resolution.TargetGone((Outcome.TargetGone) Outcome.targetGone("410", "Gone"), true));

    assertThat(fx.outbox.find(t).orElseThrow().status()).isEqualTo(Device.Status.INVALID);
  }

  @Test
  void wrongTokenIsStaleAndChangesNothing() {
    fx.outbox.enqueue(toDevice("fenced"));
    ClaimedDelivery c = fx.claimOne();
    Completion forged = new Completion(c.delivery().deliveryId(), c.fencingToken() - 1, new Resolution.Delivered("x"));
    Completion unknown = new Completion(999_999_999L, 1, new Resolution.Delivered("x"));

    assertThat(fx.outbox.complete(List.of(forged, unknown))).containsExactly(forged, unknown);
    assertThat(only("fenced").state()).isEqualTo(DeliveryState.IN_FLIGHT);
  }

  @Test
  void secondCompletionOfTheSameClaimIsStale() {
    fx.outbox.enqueue(toDevice("twice"));
    ClaimedDelivery c = fx.claimOne();
    Completion first = new Completion(c.delivery().deliveryId(), c.fencingToken(), new Resolution.Delivered("a"));
    Completion second = new Completion(c.delivery().deliveryId(), c.fencingToken(), new Resolution.Dead(Outcome.rejected("400", "b")));

    assertThat(fx.outbox.complete(List.of(first, second))).containsExactly(second);
    assertThat(fx.outbox.complete(List.of(second))).containsExactly(second);
    assertThat(only("twice").state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void mixedBatchIsRecordedInOneCallAndReportsOnlyTheStale() {
    List<Resolution> rs = List.of(new Resolution.Delivered("p"), new Resolution.Retry(Duration.ofHours(1), Outcome.retry("429", "slow down")),
        new Resolution.Dead(Outcome.rejected("413", "too big")), new Resolution.Cancelled("veto"), new Resolution.Expired(),
        new Resolution.Release(Duration.ofHours(1), "paused"));
    for (int i = 0; i < rs.size(); i++) {
      fx.outbox.enqueue(toDevice("m-" + i));
    }
    List<ClaimedDelivery> claimed = fx.claimFcm(10).deliveries();
    List<Completion> cs = new ArrayList<>();
    for (ClaimedDelivery c : claimed) {
      int i = Integer.parseInt(c.delivery().notificationKey().substring(2));
      cs.add(new Completion(c.delivery().deliveryId(), c.fencingToken(), rs.get(i)));
    }
    Completion stale = new Completion(claimed.get(0).delivery().deliveryId(), claimed.get(0).fencingToken() + 5,
        new Resolution.Delivered("bogus"));
    List<Completion> withStale = new ArrayList<>(cs);
    withStale.add(0, stale);

    assertThat(fx.outbox.complete(withStale)).containsExactly(stale);
    for (int i = 0; i < rs.size(); i++) {
      assertThat(only("m-" + i).state()).as("m-" + i).isEqualTo(rs.get(i).state());
    }
  }

  private ClaimedDelivery claimFor(DeviceTarget target) {
    for (int i = 0; i < 10; i++) {
      for (ClaimedDelivery c : fx.claimFcm(1).deliveries()) {
        if (c.delivery().target().equals(target)) {
          return c;
        }
        complete(c, new Resolution.Release(Duration.ZERO, "not this one"));
      }
    }
    throw new AssertionError("no delivery to " + target);
  }

  private List<ClaimedDelivery> drain() {
    List<ClaimedDelivery> out = new ArrayList<>();
    List<ClaimedDelivery> b;
    while (!(b = fx.claimFcm(100).deliveries()).isEmpty()) {
      out.addAll(b);
    }
    return out;
  }

  private ClaimBatch awaitClaim() throws InterruptedException {
    for (int i = 0; i < 250; i++) {
      ClaimBatch b = fx.claimFcm(10);
      if (!b.deliveries().isEmpty()) {
        return b;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("nothing became claimable");
  }
}
