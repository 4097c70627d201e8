package dev.herald.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.Channel;
import dev.herald.CollapseKeys;
import dev.herald.Delivery;
import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.EnqueueResult;
import dev.herald.Herald;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.RetryPolicy;
import dev.herald.spi.DeliveryGuard;
import dev.herald.spi.DeliveryListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deterministic engine behaviour: a settable clock, the in-memory store and runOnce(), no sleeps. */
class EngineTest {
  static final String FID = "cQ1xY2z3AbCdEfGhIjKlMn";

  final MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
  final InMemoryOutboxStore store = new InMemoryOutboxStore(clock);
  final ScriptedTransport fcm = new ScriptedTransport(Channel.FCM);
  final RecordingListener events = new RecordingListener();
  Herald herald;

  Herald.Builder builder() {
    return Herald.builder().store(store).transport(fcm).clock(clock).listener(events).instanceId("test")
        .retryPolicy(RetryPolicy.builder().initialDelay(Duration.ofSeconds(10)).maxDelay(Duration.ofMinutes(5))
            .maxAttempts(4).maxAge(Duration.ofHours(1)).random(new SplittableRandom(7)).build())
        .channelPause(Duration.ofSeconds(30));
  }

  Herald herald() {
    if (herald == null) {
      herald = builder().build();
    }
    return herald;
  }

  @AfterEach
  void close() {
    if (herald != null) {
      herald.close();
    }
  }

  static Notification.Builder note(String key) {
    return Notification.builder(key).recipient(Recipient.device(new DeviceTarget.FcmInstallation(FID)))
        .title("Your schedule starts now").body("Standup");
  }

  DeliveryState state(String key) {
    return store.find(key).orElseThrow().state();
  }

  @Test
  void dueNotificationIsDeliveredOnce() {
    herald().enqueue(note("k1").build());
    assertThat(herald.runOnce()).isEqualTo(1);
    assertThat(herald.runOnce()).isZero();
    assertThat(fcm.sendCount()).isEqualTo(1);
    assertThat(state("k1")).isEqualTo(DeliveryState.DELIVERED);
    assertThat(events.events()).containsExactly("delivered k1");
  }

  @Test
  void duplicateKeyIsDeliveredOnce() {
    EnqueueResult first = herald().enqueue(note("k1").build());
    EnqueueResult second = herald.enqueue(note("k1").body("consumed twice").build());
    assertThat(first.created()).isTrue();
    assertThat(second.duplicate()).isTrue();
    assertThat(second.notificationId()).isEqualTo(first.notificationId());
    herald.drain(10);
    assertThat(fcm.sendCount()).isEqualTo(1);
    assertThat(fcm.sent().get(0).content().body()).isEqualTo("Standup");
  }

  @Test
  void notSentBeforeDue() {
    herald().enqueue(note("k1").notBefore(clock.instant().plusSeconds(30)).build());
    assertThat(herald.runOnce()).isZero();
    clock.advance(Duration.ofSeconds(29));
    assertThat(herald.runOnce()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(herald.runOnce()).isEqualTo(1);
    assertThat(state("k1")).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void retryIsScheduledWithinBackoffAndThenDelivered() {
    fcm.then(Outcome.retry("UNAVAILABLE", "try later"));
    herald().enqueue(note("k1").build());
    herald.runOnce();
    assertThat(state("k1")).isEqualTo(DeliveryState.PENDING);
    assertThat(events.events()).containsExactly("retry k1");
    // Full jitter within the first cap (10 s): due no later than 10 s from now.
    clock.advance(Duration.ofSeconds(10));
    assertThat(herald.runOnce()).isEqualTo(1);
    assertThat(state("k1")).isEqualTo(DeliveryState.DELIVERED);
    assertThat(fcm.sent()).extracting(Delivery::attempt).containsExactly(1, 2);
  }

  @Test
  void retryAfterFromTheProviderIsHonoured() {
    fcm.then(Outcome.retry(Duration.ofSeconds(120), "429", "slow down"));
    herald().enqueue(note("k1").build());
    herald.runOnce();
    clock.advance(Duration.ofSeconds(119));
    assertThat(herald.runOnce()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(herald.runOnce()).isEqualTo(1);
  }

  @Test
  void deadAfterMaxAttempts() {
    fcm.always(Outcome.retry("INTERNAL", "boom"));
    herald().enqueue(note("k1").build());
    for (int i = 0; i < 10; i++) {
      herald.runOnce();
      clock.advance(Duration.ofMinutes(5));
    }
    assertThat(fcm.sendCount()).isEqualTo(4);
    NotificationStatus s = store.find("k1").orElseThrow();
    assertThat(s.state()).isEqualTo(DeliveryState.DEAD);
    assertThat(s.deliveries().get(0).attempts()).isEqualTo(4);
    assertThat(s.deliveries().get(0).lastError()).isEqualTo("INTERNAL: boom");
    assertThat(events.events("dead")).containsExactly("dead k1");
  }

  @Test
  void deadWhenTheNextRetryWouldPassMaxAge() {
    fcm.always(Outcome.retry(Duration.ofMinutes(4), "503", "unavailable"));
    herald().enqueue(note("k1").notBefore(clock.instant().plus(Duration.ofMinutes(50))).build());
    clock.advance(Duration.ofMinutes(50));
    herald.runOnce(); // age 50 min, retry in 4 min: ok
    clock.advance(Duration.ofMinutes(4));
    herald.runOnce(); // age 54 min, +4 min: ok
    clock.advance(Duration.ofMinutes(4));
    herald.runOnce(); // age 58 min, +4 min > 1 h: dead
    assertThat(fcm.sendCount()).isEqualTo(3);
    assertThat(state("k1")).isEqualTo(DeliveryState.DEAD);
  }

  @Test
  void expiredNotificationIsNeverSent() {
    herald().enqueue(note("k1").notBefore(clock.instant().plusSeconds(10)).expiresAt(clock.instant().plusSeconds(20)).build());
    clock.advance(Duration.ofSeconds(25));
    herald.runOnce();
    assertThat(fcm.sendCount()).isZero();
    assertThat(state("k1")).isEqualTo(DeliveryState.EXPIRED);
  }

  @Test
  void expiryDuringRetriesFinishesAsExpired() {
    fcm.then(Outcome.retry(Duration.ofSeconds(60), "503", "unavailable"));
    herald().enqueue(note("k1").expiresAt(clock.instant().plusSeconds(30)).build());
    herald.runOnce();
    clock.advance(Duration.ofSeconds(60));
    herald.runOnce();
    assertThat(fcm.sendCount()).isEqualTo(1);
    assertThat(state("k1")).isEqualTo(DeliveryState.EXPIRED);
    assertThat(events.events("expired")).containsExactly("expired k1");
  }

  @Test
  void timeToLiveIsShortenedToTheExpiry() {
    herald().enqueue(note("k1").timeToLive(Duration.ofHours(1)).expiresAt(clock.instant().plusSeconds(90)).build());
    herald.runOnce();
    assertThat(fcm.sent().get(0).options().timeToLive()).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void guardVetoCancelsWithItsReason() {
    herald = builder().guard(d -> d.notificationKey().startsWith("cancelled")
        ? DeliveryGuard.Verdict.veto("schedule already started") : DeliveryGuard.Verdict.proceed()).build();
    herald.enqueue(note("cancelled-1").build());
    herald.enqueue(note("ok-1").build());
    herald.runOnce();
    assertThat(fcm.sent()).extracting(Delivery::notificationKey).containsExactly("ok-1");
    NotificationStatus s = store.find("cancelled-1").orElseThrow();
    assertThat(s.state()).isEqualTo(DeliveryState.CANCELLED);
    assertThat(s.reason()).isEqualTo("vetoed by the guard: schedule already started");
  }

  @Test
  void throwingGuardRetriesRatherThanCancels() {
    herald = builder().guard(d -> {
      throw new IllegalStateException("host db down");
    }).build();
    herald.enqueue(note("k1").build());
    herald.runOnce();
    assertThat(fcm.sendCount()).isZero();
    assertThat(state("k1")).isEqualTo(DeliveryState.PENDING);
    assertThat(events.events()).containsExactly("retry k1");
  }

  @Test
  void throwingOrFailingTransportIsRetried() {
    fcm.thenThrow(new IllegalStateException("bug in transport")).thenFail(new java.io.IOException("reset"));
    herald().enqueue(note("k1").build());
    herald.runOnce();
    clock.advance(Duration.ofMinutes(5));
    herald.runOnce();
    clock.advance(Duration.ofMinutes(5));
    herald.runOnce();
    assertThat(fcm.sendCount()).isEqualTo(3);
    assertThat(state("k1")).isEqualTo(DeliveryState.DELIVERED);
    assertThat(events.events("retry")).hasSize(2);
  }

  @Test
  void rejectedIsDeadAndKeepsTheDevice() {
    store.register("member-1", new DeviceTarget.FcmInstallation(FID));
    fcm.then(Outcome.rejected("INVALID_ARGUMENT", "message.android.ttl invalid"));
    herald().enqueue(Notification.builder("k1").recipient(Recipient.id("member-1")).title("t").build());
    herald.runOnce();
    assertThat(state("k1")).isEqualTo(DeliveryState.DEAD);
    assertThat(store.find(new DeviceTarget.FcmInstallation(FID)).orElseThrow().status()).isEqualTo(Device.Status.ACTIVE);
  }

  @Test
  void targetGoneInvalidatesTheDeviceAndTellsTheListener() {
    DeviceTarget gone = new DeviceTarget.FcmToken("legacy-token-0123456789");
    store.register("member-1", gone);
    store.register("member-1", new DeviceTarget.FcmInstallation(FID));
    fcm.always(d -> CompletableFuture.completedFuture(d.target().equals(gone)
        ? Outcome.targetGone("UNREGISTERED", "token expired") : Outcome.delivered("ok")));
    herald().enqueue(Notification.builder("k1").recipient(Recipient.id("member-1")).title("t").build());
    herald.runOnce();
    assertThat(store.find(gone).orElseThrow().status()).isEqualTo(Device.Status.INVALID);
    assertThat(store.find(gone).orElseThrow().invalidReason()).isEqualTo("UNREGISTERED: token expired");
    assertThat(events.events("invalidated")).containsExactly("invalidated k1");
    // A later notification goes only to the remaining device.
    herald.enqueue(Notification.builder("k2").recipient(Recipient.id("member-1")).title("t").build());
    herald.runOnce();
    assertThat(store.find("k2").orElseThrow().deliveries()).extracting(NotificationStatus.DeliveryStatus::target)
        .containsExactly(new DeviceTarget.FcmInstallation(FID));
  }

  @Test
  void recipientIsExpandedAtDueTimeToItsCurrentDevices() {
    herald().enqueue(Notification.builder("k1").recipient(Recipient.id("member-1")).title("t")
        .notBefore(clock.instant().plusSeconds(60)).build());
    store.register("member-1", new DeviceTarget.FcmInstallation(FID)); // registered after enqueue
    store.register("member-1", new DeviceTarget.FcmToken("tok-abcdefghijklmnop"));
    clock.advance(Duration.ofSeconds(60));
    herald.runOnce();
    assertThat(fcm.sent()).hasSize(2);
    assertThat(fcm.sent()).extracting(Delivery::collapseKey).containsOnly(CollapseKeys.fromIdempotencyKey("k1"));
  }

  @Test
  void recipientWithoutDevicesEndsAsTargetGoneWithAReason() {
    herald().enqueue(Notification.builder("k1").recipient(Recipient.id("nobody")).title("t").build());
    herald.runOnce();
    NotificationStatus s = store.find("k1").orElseThrow();
    assertThat(s.state()).isEqualTo(DeliveryState.TARGET_GONE);
    assertThat(s.reason()).isEqualTo("recipient has no active devices");
  }

  @Test
  void cancelBeforeClaimMeansNeverSent() {
    herald().enqueue(note("k1").notBefore(clock.instant().plusSeconds(60)).build());
    assertThat(herald.cancel("k1")).isTrue();
    clock.advance(Duration.ofMinutes(2));
    herald.runOnce();
    assertThat(fcm.sendCount()).isZero();
    assertThat(state("k1")).isEqualTo(DeliveryState.CANCELLED);
    assertThat(herald.cancel("unknown")).isFalse();
  }

  @Test
  void channelUnavailablePausesTheChannelKeepsMessagesAndResumes() {
    fcm.then(new Outcome.ChannelUnavailable(null, "THIRD_PARTY_AUTH_ERROR", "APNs certificate rejected"));
    herald = builder().batchSize(1).build();
    for (int i = 0; i < 3; i++) {
      herald.enqueue(note("k" + i).build());
    }
    herald.runOnce();
    assertThat(herald.paused(Channel.FCM)).isTrue();
    assertThat(events.events()).containsExactly("paused fcm", "released k0");
    assertThat(herald.runOnce()).isZero(); // paused: nothing claimed
    assertThat(store.find("k0").orElseThrow().deliveries().get(0).attempts()).isZero();
    clock.advance(Duration.ofSeconds(30));
    assertThat(herald.runOnce()).isEqualTo(1); // the probe
    assertThat(herald.paused(Channel.FCM)).isFalse();
    herald.drain(10);
    assertThat(List.of(state("k0"), state("k1"), state("k2"))).containsOnly(DeliveryState.DELIVERED);
    assertThat(events.events("resumed")).containsExactly("resumed fcm");
    assertThat(events.events("dead")).isEmpty();
  }

  @Test
  void failedProbeDoublesThePause() {
    fcm.then(Outcome.channelUnavailable("401", "bad credentials")).then(Outcome.channelUnavailable("401", "bad credentials"));
    herald().enqueue(note("k1").build());
    herald.runOnce();
    clock.advance(Duration.ofSeconds(30));
    herald.runOnce(); // probe fails: paused 60 s
    clock.advance(Duration.ofSeconds(59));
    assertThat(herald.runOnce()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(herald.runOnce()).isEqualTo(1);
    assertThat(state("k1")).isEqualTo(DeliveryState.DELIVERED);
    assertThat(events.events("paused")).hasSize(2);
  }

  @Test
  void massTargetGoneTripsTheSafetyValveInsteadOfInvalidatingEveryone() {
    fcm.always(Outcome.targetGone("UNREGISTERED", "wrong project?"));
    for (int i = 0; i < 40; i++) {
      DeviceTarget t = new DeviceTarget.FcmToken("token-" + i + "-abcdefghijkl");
      store.register("member-" + i, t);
      store.enqueue(Notification.builder("k" + i).recipient(Recipient.id("member-" + i)).title("t").build());
    }
    herald().runOnce();
    long invalid = java.util.stream.IntStream.range(0, 40)
        .filter(i -> store.find(new DeviceTarget.FcmToken("token-" + i + "-abcdefghijkl")).orElseThrow().status() == Device.Status.INVALID)
        .count();
    // The 20th "gone" in a row trips the valve: 19 devices invalidated, the rest kept.
    assertThat(invalid).isEqualTo(19);
    assertThat(herald.paused(Channel.FCM)).isTrue();
    assertThat(events.events("paused")).containsExactly("paused fcm");
    long pending = java.util.stream.IntStream.range(0, 40).filter(i -> state("k" + i) == DeliveryState.PENDING).count();
    assertThat(pending).isEqualTo(21);
    assertThat(events.events("dead")).isEmpty();
  }

  @Test
  void scatteredTargetGoneInvalidatesNormally() {
    fcm.always(d -> CompletableFuture.completedFuture(d.notificationKey().endsWith("3")
        ? Outcome.targetGone("UNREGISTERED", "gone") : Outcome.delivered("ok")));
    for (int i = 0; i < 40; i++) {
      store.register("member-" + i, new DeviceTarget.FcmToken("token-" + i + "-abcdefghijkl"));
      store.enqueue(Notification.builder("k" + i).recipient(Recipient.id("member-" + i)).title("t").build());
    }
    herald().runOnce();
    assertThat(herald.paused(Channel.FCM)).isFalse();
    assertThat(events.events("invalidated")).hasSize(4);
  }

  @Test
  void disabledSafetyValveInvalidatesEveryGoneDevice() {
    fcm.always(Outcome.targetGone("410", "gone"));
    herald = builder().disableTargetGoneSafetyValve().build();
    for (int i = 0; i < 30; i++) {
      store.register("member-" + i, new DeviceTarget.FcmToken("token-" + i + "-abcdefghijkl"));
      store.enqueue(Notification.builder("k" + i).recipient(Recipient.id("member-" + i)).title("t").build());
    }
    herald.runOnce();
    assertThat(events.events("invalidated")).hasSize(30);
    assertThat(herald.paused(Channel.FCM)).isFalse();
  }

  @Test
  void devicesAreValidatedByTheirTransportBeforeTheyAreStored() {
    ScriptedTransport strict = new ScriptedTransport(Channel.of("sms"));
    dev.herald.spi.Transport validating = new dev.herald.spi.Transport() {
      @Override
      public Channel channel() {
        return Channel.of("sms");
      }

      @Override
      public java.util.concurrent.CompletionStage<Outcome> send(Delivery d) {
        return strict.send(d);
      }

      @Override
      public void validate(DeviceTarget target) {
        if (!target.address().startsWith("+")) {
          throw new InvalidInputException("device target", List.of(new InvalidInputException.Problem("address", "must start with +")));
        }
      }
    };
    herald = builder().transport(validating).deviceRegistry(store).build();
    assertThatThrownBy(() -> herald.devices().register("m", new DeviceTarget.Custom(Channel.of("sms"), "5550100")))
        .isInstanceOf(InvalidInputException.class).hasMessage("invalid device target: address must start with +");
    assertThatThrownBy(() -> herald.devices().register("m", new DeviceTarget.Custom(Channel.of("email"), "a@b.c")))
        .isInstanceOf(InvalidInputException.class).hasMessage("invalid device target: channel has no transport configured: email (configured: [fcm, sms])");
    assertThat(store.devices("m")).isEmpty();
    herald.devices().register("m", new DeviceTarget.Custom(Channel.of("sms"), "+5550100"));
    assertThat(store.devices("m")).hasSize(1);
  }

  @Test
  void enqueueRefusesWhatNoTransportCouldSendAndStoresNothing() {
    dev.herald.spi.Transport picky = new dev.herald.spi.Transport() {
      @Override
      public Channel channel() {
        return Channel.of("sms");
      }

      @Override
      public java.util.concurrent.CompletionStage<Outcome> send(Delivery d) {
        return CompletableFuture.completedFuture(Outcome.delivered("x"));
      }

      @Override
      public void validate(DeviceTarget target) {
        if (!target.address().startsWith("+")) {
          throw new InvalidInputException("device target", List.of(new InvalidInputException.Problem("address", "must start with +")));
        }
      }

      @Override
      public void validate(Notification n) {
        if (n.content().body() != null && n.content().body().length() > 160) {
          throw new InvalidInputException("notification", List.of(new InvalidInputException.Problem("content.body", "must fit one SMS (160)")));
        }
      }
    };
    herald = builder().transport(picky).build();
    Notification badTarget = Notification.builder("k1").recipient(Recipient.device(new DeviceTarget.Custom(Channel.of("sms"), "5550100")))
        .title("t").build();
    assertThatThrownBy(() -> herald.enqueue(badTarget)).isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid device target: address must start with +");
    Notification tooLong = Notification.builder("k2").recipient(Recipient.id("member-1")).title("t").body("x".repeat(161)).build();
    assertThatThrownBy(() -> herald.enqueue(tooLong)).isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid notification: content.body must fit one SMS (160)");
    Notification noTransport = Notification.builder("k3").recipient(Recipient.device(new DeviceTarget.Custom(Channel.of("email"), "a@b.c")))
        .title("t").build();
    assertThatThrownBy(() -> herald.enqueue(noTransport)).isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("invalid device target: recipient.target.channel has no transport configured: email");
    assertThat(store.all()).isEmpty();
  }

  @Test
  void throwingListenerChangesNothing() {
    herald = builder().listener(new DeliveryListener() {
      @Override
      public void claimed(Delivery d) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void delivered(Delivery d, Outcome.Delivered o) {
        throw new IllegalStateException("listener bug");
      }
    }).build();
    herald.enqueue(note("k1").build());
    herald.runOnce();
    assertThat(state("k1")).isEqualTo(DeliveryState.DELIVERED);
    assertThat(events.events()).containsExactly("delivered k1");
  }

  @Test
  void staleCompletionAfterLeaseTakeoverIsDiscarded() throws Exception {
    CompletableFuture<Outcome> slow = new CompletableFuture<>();
    ScriptedTransport slowFcm = new ScriptedTransport(Channel.FCM).thenStage(d -> slow);
    RecordingListener aEvents = new RecordingListener();
    Herald a = Herald.builder().store(store).transport(slowFcm).clock(clock).listener(aEvents).instanceId("a")
        .lease(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).build();
    herald().enqueue(note("k1").build());
    a.start();
    await(() -> slowFcm.sendCount() == 1);
    clock.advance(Duration.ofSeconds(31)); // a's lease expires: as if a were frozen or dead
    assertThat(herald.runOnce()).isEqualTo(1); // b takes over and delivers
    slow.complete(Outcome.delivered("late"));
    await(() -> aEvents.events("stale").size() == 1);
    a.close();
    assertThat(state("k1")).isEqualTo(DeliveryState.DELIVERED);
    NotificationStatus.DeliveryStatus d = store.find("k1").orElseThrow().deliveries().get(0);
    assertThat(d.providerId()).isEqualTo("id-" + d.deliveryId()); // b's outcome, not a's late one
  }

  @Test
  void shutdownReleasesUnfinishedSendsSoNothingIsLost() throws Exception {
    ScriptedTransport hanging = new ScriptedTransport(Channel.FCM).always(d -> new CompletableFuture<>());
    Herald a = Herald.builder().store(store).transport(hanging).clock(clock).instanceId("a")
        .lease(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(20)).shutdownTimeout(Duration.ofMillis(200)).build();
    herald().enqueue(note("k1").build());
    herald.enqueue(note("k2").build());
    a.start();
    await(() -> hanging.sendCount() == 2);
    a.close();
    assertThat(hanging.closed()).isTrue();
    // Released, not waiting for the 10-minute lease: another instance sends them at once.
    assertThat(state("k1")).isEqualTo(DeliveryState.PENDING);
    assertThat(herald.runOnce()).isEqualTo(2);
    assertThat(List.of(state("k1"), state("k2"))).containsOnly(DeliveryState.DELIVERED);
  }

  @Test
  void startedEngineDeliversWhatIsEnqueuedAndStopsCleanly() throws Exception {
    herald = builder().pollInterval(Duration.ofSeconds(5)).build();
    herald.start();
    for (int i = 0; i < 50; i++) {
      herald.enqueue(note("k" + i).build());
    }
    // enqueue wakes the poller: no need to wait for the 5 s poll
    await(() -> events.events("delivered").size() == 50);
    herald.close();
    herald.close(); // idempotent
    assertThat(fcm.sendCount()).isEqualTo(50);
    assertThatThrownBy(() -> herald.enqueue(note("late").build()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void inFlightPerChannelIsBounded() throws Exception {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    List<CompletableFuture<Outcome>> open = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    ScriptedTransport t = new ScriptedTransport(Channel.FCM).always(d -> {
      peak.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
      CompletableFuture<Outcome> f = new CompletableFuture<>();
      open.add(f);
      return f;
    });
    Herald a = Herald.builder().store(store).transport(t).clock(clock).instanceId("a").maxInFlightPerChannel(5)
        .pollInterval(Duration.ofMillis(10)).build();
    for (int i = 0; i < 20; i++) {
      store.enqueue(note("k" + i).build());
    }
    a.start();
    int done = 0;
    while (done < 20) {
      await(() -> open.size() > 0);
      CompletableFuture<Outcome> f = open.remove(0);
      concurrent.decrementAndGet();
      f.complete(Outcome.delivered("x"));
      done++;
    }
    a.close();
    assertThat(peak.get()).isLessThanOrEqualTo(5);
    assertThat(t.sendCount()).isEqualTo(20);
  }

  @Test
  void builderRejectsBadSettingsWithTheirName() {
    assertThatThrownBy(() -> Herald.builder().batchSize(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchSize must be >= 1: 0");
    assertThatThrownBy(() -> Herald.builder().lease(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lease must be between PT0.001S and PT24H: PT0S");
    assertThatThrownBy(() -> Herald.builder().transport(fcm).build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("store is required");
    assertThatThrownBy(() -> Herald.builder().store(store).build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("at least one transport");
    assertThatThrownBy(() -> Herald.builder().store(store).transport(fcm).transport(new ScriptedTransport(Channel.FCM)).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("transports must serve distinct channels: two for fcm");
    assertThatThrownBy(() -> Herald.builder().instanceId("bad\nid")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("instanceId must be 1-64 printable characters");
  }

  @Test
  void runOnceIsRefusedWhileStarted() {
    herald().start();
    assertThatThrownBy(herald::runOnce).isInstanceOf(IllegalStateException.class).hasMessageContaining("runOnce()");
  }

  /** Waits (bounded) for a condition that another thread makes true. */
  static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(2);
    }
  }

  static Instant t(String iso) {
    return Instant.parse(iso);
  }
}
