package dev.herald.outbox.jdbc;

import static dev.herald.outbox.jdbc.testing.Fixture.toDevice;
import static dev.herald.outbox.jdbc.testing.Fixture.toRecipient;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.internal.Claimer;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.outbox.jdbc.testing.OnEachDatabase;
import dev.herald.store.ClaimBatch;
import dev.herald.store.ClaimRequest;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ClaimTest extends OnEachDatabase {
  @Test
  void neverClaimedBeforeItsDueTimeOnTheDatabaseClock() throws Exception {
    Instant due = fx.dbNow().plusMillis(700);
    fx.outbox.enqueue(Notification.builder("scheduled").recipient(Recipient.device(new DeviceTarget.FcmToken("t1")))
        .title("x").notBefore(due).build());

    assertThat(fx.claimFcm(10).deliveries()).isEmpty();
    ClaimBatch got = awaitClaim(Duration.ofSeconds(5));

    assertThat(got.deliveries()).hasSize(1);
    assertThat(got.storeNow()).isAfterOrEqualTo(due);
  }

  @Test
  void claimTakesALeaseAndBumpsTheFencingToken() {
    fx.outbox.enqueue(toDevice("lease"));
    ClaimedDelivery first = fx.claimOne();

    assertThat(fx.claimFcm(10).deliveries()).as("held under lease").isEmpty();
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE state = 1 AND lease_owner = 'test'")).isEqualTo(1);
    assertThat(fx.outbox.find("lease").orElseThrow().state()).isEqualTo(DeliveryState.IN_FLIGHT);

    fx.outbox.complete(List.of(new Completion(first.delivery().deliveryId(), first.fencingToken(),
        new Resolution.Release(Duration.ZERO, "test"))));
    ClaimedDelivery second = fx.claimOne();

    assertThat(second.delivery().deliveryId()).isEqualTo(first.delivery().deliveryId());
    assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
  }

  @Test
  void expiredLeaseIsReclaimedAndTheStaleCompletionIsDiscarded() throws Exception {
    fx.outbox.enqueue(toDevice("crash"));
    ClaimedDelivery crashed = fx.claim("instance-a", Channel.FCM, 10, Duration.ofMillis(200)).deliveries().get(0);

    assertThat(fx.claim("instance-b", Channel.FCM, 10, Duration.ofMinutes(1)).deliveries()).isEmpty();
    Thread.sleep(300);
    ClaimedDelivery taken = fx.claim("instance-b", Channel.FCM, 10, Duration.ofMinutes(1)).deliveries().get(0);
    assertThat(taken.delivery().deliveryId()).isEqualTo(crashed.delivery().deliveryId());
    assertThat(taken.delivery().attempt()).as("a lost lease is not an outcome").isEqualTo(1);

    Completion late = new Completion(crashed.delivery().deliveryId(), crashed.fencingToken(),
        new Resolution.Dead(Outcome.rejected("400", "late")));
    assertThat(fx.outbox.complete(List.of(late))).containsExactly(late);
    assertThat(fx.outbox.find("crash").orElseThrow().state()).isEqualTo(DeliveryState.IN_FLIGHT);

    assertThat(fx.outbox.complete(List.of(new Completion(taken.delivery().deliveryId(), taken.fencingToken(),
        new Resolution.Delivered("ok"))))).isEmpty();
    assertThat(fx.outbox.find("crash").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void lateCompletionBeforeAnyoneReclaimedIsStillApplied() throws Exception {
    fx.outbox.enqueue(toDevice("slow"));
    ClaimedDelivery c = fx.claim("a", Channel.FCM, 10, Duration.ofMillis(100)).deliveries().get(0);
    Thread.sleep(200);

    assertThat(fx.outbox.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(),
        new Resolution.Delivered(null))))).isEmpty();
    assertThat(fx.outbox.find("slow").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void limitsArePerChannelAndAbsentChannelsAreNotClaimed() {
    for (int i = 0; i < 5; i++) {
      fx.outbox.enqueue(toDevice("fcm-" + i));
      fx.outbox.enqueue(Notification.builder("custom-" + i)
          .recipient(Recipient.device(new DeviceTarget.Custom(Channel.of("sms"), "+1555000" + i))).body("b").build());
    }
    ClaimBatch b = fx.outbox.claim(new ClaimRequest("o", Fixture.LONG_LEASE, Map.of(Channel.FCM, 3, Channel.WEB_PUSH, 10)));
    assertThat(b.deliveries()).hasSize(3).allMatch(d -> d.delivery().channel().equals(Channel.FCM));

    ClaimBatch sms = fx.outbox.claim(new ClaimRequest("o", Fixture.LONG_LEASE, Map.of(Channel.of("sms"), 10, Channel.FCM, 0)));
    assertThat(sms.deliveries()).hasSize(5).allMatch(d -> d.delivery().target() instanceof DeviceTarget.Custom);
  }

  @Test
  void dueOrderIsKept() throws Exception {
    Instant now = fx.dbNow();
    fx.outbox.enqueue(Notification.builder("later").recipient(Recipient.device(new DeviceTarget.FcmToken("a")))
        .title("x").notBefore(now.minusSeconds(10)).build());
    fx.outbox.enqueue(Notification.builder("earlier").recipient(Recipient.device(new DeviceTarget.FcmToken("b")))
        .title("x").notBefore(now.minusSeconds(20)).build());
    assertThat(fx.claimFcm(1).deliveries().get(0).delivery().notificationKey()).isEqualTo("earlier");
  }

  @Test
  void concurrentClaimersNeverShareADelivery() throws Exception {
    int total = 2_000;
    List<Notification> ns = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      ns.add(toDevice("c-" + i));
    }
    for (int i = 0; i < total; i += 500) {
      fx.outbox.enqueueAll(ns.subList(i, i + 500));
    }
    int claimers = 6;
    ExecutorService pool = Executors.newFixedThreadPool(claimers);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<Long>>> fs = new ArrayList<>();
    for (int t = 0; t < claimers; t++) {
      String owner = "claimer-" + t;
      fs.add(pool.submit(() -> {
        go.await();
        List<Long> mine = new ArrayList<>();
        while (true) {
          ClaimBatch b = fx.claim(owner, Channel.FCM, 37, Fixture.LONG_LEASE);
          if (b.deliveries().isEmpty()) {
            return mine;
          }
          b.deliveries().forEach(d -> mine.add(d.delivery().deliveryId()));
        }
      }));
    }
    go.countDown();
    List<Long> all = new ArrayList<>();
    for (Future<List<Long>> f : fs) {
      all.addAll(f.get());
    }
    pool.shutdown();
    assertThat(all).hasSize(total).doesNotHaveDuplicates();
  }

  @Test
  void recipientIsExpandedToItsActiveDevicesWhenDue() {
    DeviceTarget a = new DeviceTarget.FcmInstallation("fid-a");
    DeviceTarget b = new DeviceTarget.FcmToken("token-b");
    DeviceTarget gone = new DeviceTarget.FcmToken("token-gone");
    fx.outbox.register("member-1", a);
    fx.outbox.register("member-1", b);
    fx.outbox.register("member-1", gone);
    fx.outbox.register("member-2", new DeviceTarget.FcmToken("someone-else"));
    fx.execute("UPDATE ${p}device SET status = 2 WHERE recipient_id = 'member-1' AND kind = 'token' AND id = "
        + "(SELECT MAX(id) FROM ${p}device WHERE recipient_id = 'member-1')");

    fx.outbox.enqueue(toRecipient("hello-1", "member-1"));
    ClaimBatch batch = fx.claimFcm(10);

    assertThat(batch.deliveries()).extracting(d -> d.delivery().target()).containsExactlyInAnyOrder(a, b);
    assertThat(batch.deliveries()).allMatch(d -> d.delivery().notificationKey().equals("hello-1"));
    assertThat(batch.deliveries()).extracting(d -> d.delivery().deliveryId()).doesNotHaveDuplicates();
    NotificationStatus s = fx.outbox.find("hello-1").orElseThrow();
    assertThat(s.deliveries()).hasSize(2);
    assertThat(s.state()).isEqualTo(DeliveryState.IN_FLIGHT);
  }

  @Test
  void deviceRegisteredAfterEnqueueButBeforeDueReceivesIt() throws Exception {
    Instant due = fx.dbNow().plusMillis(300);
    fx.outbox.enqueue(Notification.builder("later").recipient(Recipient.id("member-9")).title("x").notBefore(due).build());
    fx.outbox.register("member-9", new DeviceTarget.FcmInstallation("registered-later"));

    ClaimBatch b = awaitClaim(Duration.ofSeconds(5));
    assertThat(b.deliveries()).singleElement()
        .satisfies(d -> assertThat(d.delivery().target()).isEqualTo(new DeviceTarget.FcmInstallation("registered-later")));
  }

  @Test
  void recipientWithoutDevicesEndsAsTargetGoneWithAReason() {
    fx.outbox.enqueue(toRecipient("nobody-home", "member-without-devices"));

    assertThat(fx.claimFcm(10).deliveries()).isEmpty();

    NotificationStatus s = fx.outbox.find("nobody-home").orElseThrow();
    assertThat(s.state()).isEqualTo(DeliveryState.TARGET_GONE);
    assertThat(s.reason()).isEqualTo(Claimer.NO_DEVICES).isEqualTo("recipient has no active devices");
    assertThat(s.deliveries()).isEmpty();
  }

  @Test
  void expansionHappensOnceUnderConcurrentClaimers() throws Exception {
    for (int r = 0; r < 20; r++) {
      for (int d = 0; d < 3; d++) {
        fx.outbox.register("member-" + r, new DeviceTarget.FcmToken("tok-" + r + "-" + d));
      }
    }
    List<Notification> ns = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ns.add(toRecipient("n-" + i, "member-" + (i % 20)));
    }
    fx.outbox.enqueueAll(ns);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<Integer>> fs = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      String owner = "o" + t;
      fs.add(pool.submit(() -> {
        int n = 0;
        for (int i = 0; i < 50; i++) {
          n += fx.claim(owner, Channel.FCM, 7, Fixture.LONG_LEASE).deliveries().size();
        }
        return n;
      }));
    }
    int claimed = 0;
    for (Future<Integer> f : fs) {
      claimed += f.get();
    }
    pool.shutdown();
    claimed += drain();
    assertThat(claimed).isEqualTo(600);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery")).isEqualTo(600);
    assertThat(fx.count("SELECT COUNT(DISTINCT notification_id) FROM ${p}delivery")).isEqualTo(200);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}notification WHERE state = 10")).isEqualTo(200);
  }

  @Test
  void notificationExpiredBeforeExpansionIsNotExpanded() throws Exception {
    fx.outbox.register("member-x", new DeviceTarget.FcmToken("tok-x"));
    Instant now = fx.dbNow();
    fx.outbox.enqueue(Notification.builder("too-late").recipient(Recipient.id("member-x")).title("x")
        .notBefore(now.minusSeconds(60)).expiresAt(now.minusSeconds(1)).build());

    assertThat(fx.claimFcm(10).deliveries()).isEmpty();
    NotificationStatus s = fx.outbox.find("too-late").orElseThrow();
    assertThat(s.state()).isEqualTo(DeliveryState.EXPIRED);
    assertThat(s.reason()).contains("expired");
  }

  @Test
  void claimedDeliveryCarriesEnqueueTimeAndExpiryOnTheDatabaseClock() {
    Instant before = fx.dbNow();
    Instant expires = before.plusSeconds(3600);
    fx.outbox.enqueue(Notification.builder("exp").recipient(Recipient.device(new DeviceTarget.FcmToken("t")))
        .title("x").expiresAt(expires).build());
    ClaimBatch b = fx.claimFcm(1);
    ClaimedDelivery c = b.deliveries().get(0);

    assertThat(c.enqueuedAt()).isBetween(before.minusSeconds(1), b.storeNow());
    assertThat(c.delivery().expiresAt()).isEqualTo(expires);
  }

  @Test
  void cancelBeforeClaimStopsItAndCancelAfterClaimDoesNotInterrupt() {
    fx.outbox.enqueue(toDevice("cancel-me"));
    fx.outbox.enqueue(toDevice("too-late-to-cancel"));
    fx.outbox.register("member-c", new DeviceTarget.FcmToken("tok-c"));
    fx.outbox.enqueue(toRecipient("cancel-unexpanded", "member-c"));

    assertThat(fx.outbox.cancel("cancel-me")).isTrue();
    assertThat(fx.outbox.cancel("cancel-unexpanded", "schedule moved")).isTrue();
    ClaimedDelivery c = fx.claimOne();
    assertThat(c.delivery().notificationKey()).isEqualTo("too-late-to-cancel");
    assertThat(fx.outbox.cancel("too-late-to-cancel")).isFalse();
    assertThat(fx.outbox.cancel("never-enqueued")).isFalse();

    assertThat(fx.outbox.find("cancel-me").orElseThrow().state()).isEqualTo(DeliveryState.CANCELLED);
    NotificationStatus unexpanded = fx.outbox.find("cancel-unexpanded").orElseThrow();
    assertThat(unexpanded.state()).isEqualTo(DeliveryState.CANCELLED);
    assertThat(unexpanded.reason()).isEqualTo("schedule moved");
    assertThat(fx.outbox.find("too-late-to-cancel").orElseThrow().state()).isEqualTo(DeliveryState.IN_FLIGHT);
    // Cancelled is still a known key.
    assertThat(fx.outbox.enqueue(toDevice("cancel-me")).duplicate()).isTrue();
  }

  @Test
  void cancelledRetryIsNotClaimedAgain() {
    fx.outbox.enqueue(toDevice("retrying"));
    ClaimedDelivery c = fx.claimOne();
    fx.outbox.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(),
        new Resolution.Retry(Duration.ZERO, Outcome.retry("503", "unavailable")))));

    assertThat(fx.outbox.cancel("retrying")).isTrue();
    assertThat(fx.claimFcm(10).deliveries()).isEmpty();
    NotificationStatus s = fx.outbox.find("retrying").orElseThrow();
    assertThat(s.state()).isEqualTo(DeliveryState.CANCELLED);
    assertThat(s.deliveries().get(0).attempts()).isEqualTo(1);
  }

  @Test
  void emptyClaimStillReportsTheDatabaseClock() {
    Instant before = fx.dbNow();
    ClaimBatch b = fx.claimFcm(10);
    assertThat(b.deliveries()).isEmpty();
    assertThat(b.storeNow()).isAfterOrEqualTo(before.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
  }

  private ClaimBatch awaitClaim(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      ClaimBatch b = fx.claimFcm(10);
      if (!b.deliveries().isEmpty()) {
        return b;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("nothing became claimable within " + timeout);
  }

  private int drain() {
    int n = 0;
    Set<Long> seen = new HashSet<>();
    while (true) {
      ClaimBatch b = fx.claimFcm(100);
      if (b.deliveries().isEmpty()) {
        return n;
      }
      b.deliveries().forEach(d -> seen.add(d.delivery().deliveryId()));
      n += b.deliveries().size();
    }
  }
}
