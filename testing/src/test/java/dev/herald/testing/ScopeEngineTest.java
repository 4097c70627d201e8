package dev.herald.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.RetryPolicy;
import dev.herald.Scope;
import dev.herald.spi.DeliveryListener;
import dev.herald.spi.InputValidator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pauses, probes, the safety valve and in-flight bounds per scope, on the in-memory store with a
 * settable clock. The scope of an FCM token {@code a-...} is {@code fcm[a]}: two "push services" of
 * one channel.
 */
class ScopeEngineTest {
  static final Scope A = Scope.of(Channel.FCM, "a");
  static final Scope B = Scope.of(Channel.FCM, "b");

  final MutableClock clock = MutableClock.at("2026-12-10T10:00:00Z");
  final ScriptedTransport fcm = new ScriptedTransport(Channel.FCM).scopedBy(ScopeEngineTest::scopeOf);
  final InMemoryOutboxStore store = new InMemoryOutboxStore(clock).scopes(InputValidator.of(List.of(fcm)));
  final RecordingListener events = new RecordingListener();
  Herald herald;

  static Scope scopeOf(DeviceTarget t) {
    return Scope.of(Channel.FCM, t.address().substring(0, 1));
  }

  Herald.Builder builder() {
    return Herald.builder().store(store).transport(fcm).clock(clock).listener(events).instanceId("scopes")
        .retryPolicy(RetryPolicy.builder().initialDelay(Duration.ofSeconds(10)).maxAttempts(4)
            .random(new SplittableRandom(3)).build())
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

  static Notification to(String scope, int i) {
    return Notification.builder(scope + "-" + i).recipient(Recipient.device(token(scope, i))).title("t").build();
  }

  static DeviceTarget.FcmToken token(String scope, int i) {
    return new DeviceTarget.FcmToken(scope + "-token-" + i + "-abcdefghijkl");
  }

  NotificationStatus.DeliveryStatus delivery(String key) {
    return store.find(key).orElseThrow().deliveries().get(0);
  }

  long sentTo(String scope) {
    return fcm.sent().stream().filter(d -> d.scope().name().equals(scope)).count();
  }

  @Test
  void aSenderFailureInOneScopePausesThatScopeAloneAndItsRowsAreNotClaimed() {
    fcm.always(d -> CompletableFuture.completedFuture(d.scope().equals(A)
        ? new Outcome.ChannelUnavailable(null, "403", "VAPID key refused") : Outcome.delivered("ok")));
    herald().enqueue(to("a", 0));
    herald.runOnce();
    assertThat(herald.paused(A)).isTrue();
    assertThat(herald.paused(B)).isFalse();
    assertThat(herald.paused(Channel.FCM)).as("some scope of the channel").isTrue();
    assertThat(herald.pausedScopes()).containsExactly(A);
    assertThat(events.events("paused")).containsExactly("paused fcm[a]");

    for (int i = 1; i <= 5; i++) {
      herald.enqueue(to("a", i)); // due before b's
    }
    for (int i = 1; i <= 5; i++) {
      herald.enqueue(to("b", i));
    }
    assertThat(herald.runOnce()).as("b's five, none of a's").isEqualTo(5);
    assertThat(sentTo("b")).isEqualTo(5);
    assertThat(sentTo("a")).as("no send to the paused scope").isEqualTo(1);
    for (int i = 1; i <= 5; i++) {
      NotificationStatus.DeliveryStatus d = delivery("a-" + i);
      assertThat(d.state()).isEqualTo(DeliveryState.PENDING);
      assertThat(d.attempts()).isZero();
      assertThat(d.lastError()).as("never claimed, so never released either").isNull();
    }
  }

  @Test
  void thePausedScopeGetsOneProbeAfterThePauseAndResumes() {
    fcm.then(new Outcome.ChannelUnavailable(null, "403", "VAPID key refused"));
    herald().enqueue(to("a", 0));
    herald.runOnce();
    assertThat(herald.paused(A)).isTrue();
    for (int i = 1; i <= 6; i++) {
      herald.enqueue(to("a", i));
    }
    assertThat(herald.runOnce()).as("paused: nothing of it claimed").isZero();
    clock.advance(Duration.ofSeconds(30));
    assertThat(herald.runOnce()).as("one probe").isEqualTo(1);
    assertThat(sentTo("a")).isEqualTo(2);
    assertThat(herald.paused(A)).isFalse();
    assertThat(events.events("resumed")).containsExactly("resumed fcm[a]");
    herald.drain(10);
    assertThat(IntStream.rangeClosed(0, 6).mapToObj(i -> delivery("a-" + i).state())).containsOnly(DeliveryState.DELIVERED);
  }

  @Test
  void aFailedProbeRepausesOnlyItsScopeForTwiceAsLong() {
    fcm.always(d -> CompletableFuture.completedFuture(d.scope().equals(A)
        ? Outcome.channelUnavailable("401", "bad credentials") : Outcome.delivered("ok")));
    herald().enqueue(to("a", 0));
    herald.runOnce();
    clock.advance(Duration.ofSeconds(30));
    herald.enqueue(to("b", 1));
    herald.runOnce(); // the probe fails; b goes
    assertThat(events.events("paused")).containsExactly("paused fcm[a]", "paused fcm[a]");
    clock.advance(Duration.ofSeconds(59));
    herald.enqueue(to("b", 2));
    assertThat(herald.runOnce()).isEqualTo(1);
    assertThat(sentTo("a")).isEqualTo(2);
    clock.advance(Duration.ofSeconds(1));
    assertThat(herald.runOnce()).as("the second probe after 60 s").isEqualTo(1);
    assertThat(sentTo("a")).isEqualTo(3);
  }

  @Test
  void theSafetyValveTripsInTheScopeWhereDevicesAreGoneAndNowhereElse() {
    // Scope a: its push service says "gone" for every device (wrong project?); scope b: one of 30 gone.
    fcm.always(d -> CompletableFuture.completedFuture(d.scope().equals(A) || d.target().equals(token("b", 7))
        ? Outcome.targetGone("410", "gone") : Outcome.delivered("ok")));
    for (int i = 0; i < 30; i++) {
      store.register("a-member-" + i, token("a", i));
      store.register("b-member-" + i, token("b", i));
      store.enqueue(Notification.builder("a-" + i).recipient(Recipient.id("a-member-" + i)).title("t").build());
      store.enqueue(Notification.builder("b-" + i).recipient(Recipient.id("b-member-" + i)).title("t").build());
    }
    herald().drain(10);
    assertThat(herald.pausedScopes()).containsExactly(A);
    long invalidA = IntStream.range(0, 30)
        .filter(i -> store.find(token("a", i)).orElseThrow().status() == Device.Status.INVALID).count();
    assertThat(invalidA).as("the valve stops invalidating in scope a").isLessThan(20);
    assertThat(store.find(token("b", 7)).orElseThrow().status()).as("b invalidates normally").isEqualTo(Device.Status.INVALID);
    assertThat(IntStream.range(0, 30).filter(i -> i != 7).mapToObj(i -> delivery("b-" + i).state()))
        .containsOnly(DeliveryState.DELIVERED);
    assertThat(events.events("paused")).containsExactly("paused fcm[a]");
  }

  @Test
  void oneSlowScopeHoldsNoMoreThanItsBoundAndTheOtherScopesKeepSending() throws Exception {
    List<CompletableFuture<Outcome>> slow = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger slowInFlight = new AtomicInteger();
    AtomicInteger slowPeak = new AtomicInteger();
    fcm.always(d -> {
      if (d.scope().equals(A)) {
        slowPeak.accumulateAndGet(slowInFlight.incrementAndGet(), Math::max);
        CompletableFuture<Outcome> f = new CompletableFuture<>();
        slow.add(f);
        return f;
      }
      return CompletableFuture.completedFuture(Outcome.delivered("ok"));
    });
    herald = Herald.builder().store(store).transport(fcm).clock(clock).instanceId("slow").maxInFlightPerChannel(8)
        .pollInterval(Duration.ofMillis(10)).build();
    for (int i = 0; i < 40; i++) {
      store.enqueue(to("a", i)); // due first
    }
    for (int i = 0; i < 40; i++) {
      store.enqueue(to("b", i));
    }
    herald.start();
    EngineTest.await(() -> IntStream.range(0, 40).allMatch(i -> store.find("b-" + i).orElseThrow().state()
        == DeliveryState.DELIVERED));
    assertThat(slowPeak.get()).as("three quarters of the channel's 8").isEqualTo(6);
    assertThat(herald.inFlight(A)).isEqualTo(6);
    // The slow service answers; the rest of its deliveries follow, never more than 6 at once.
    for (int answered = 0; answered < 40; answered++) {
      EngineTest.await(() -> !slow.isEmpty());
      CompletableFuture<Outcome> f = slow.remove(0);
      slowInFlight.decrementAndGet();
      f.complete(Outcome.delivered("late"));
    }
    EngineTest.await(() -> IntStream.range(0, 40).allMatch(i -> store.find("a-" + i).orElseThrow().state()
        == DeliveryState.DELIVERED));
    assertThat(slowPeak.get()).isEqualTo(6);
  }

  @Test
  void theBoundPerScopeIsASetting() throws Exception {
    List<CompletableFuture<Outcome>> open = Collections.synchronizedList(new ArrayList<>());
    fcm.always(d -> {
      CompletableFuture<Outcome> f = new CompletableFuture<>();
      open.add(f);
      return f;
    });
    herald = Herald.builder().store(store).transport(fcm).clock(clock).instanceId("bound").maxInFlightPerChannel(20)
        .maxInFlightPerScope(3).pollInterval(Duration.ofMillis(10)).build();
    for (int i = 0; i < 10; i++) {
      store.enqueue(to("a", i));
      store.enqueue(to("b", i));
    }
    herald.start();
    EngineTest.await(() -> open.size() == 6);
    Thread.sleep(50); // a few more polls: nothing else may be claimed
    assertThat(open).hasSize(6);
    assertThat(herald.inFlight(A)).isEqualTo(3);
    assertThat(herald.inFlight(B)).isEqualTo(3);
    assertThat(herald.inFlight(Channel.FCM)).isEqualTo(6);
    synchronized (open) {
      open.forEach(f -> f.complete(Outcome.delivered("x")));
    }
  }

  @Test
  void aStoreWithoutScopesStillHoldsBackAPausedScopeWithoutSpendingAttempts() {
    InMemoryOutboxStore plain = new InMemoryOutboxStore(clock); // records every delivery in the channel's one scope
    fcm.always(d -> CompletableFuture.completedFuture(d.scope().equals(A)
        ? new Outcome.ChannelUnavailable(null, "403", "VAPID key refused") : Outcome.delivered("ok")));
    herald = Herald.builder().store(plain).transport(fcm).clock(clock).listener(events).instanceId("plain")
        .batchSize(1).build();
    plain.enqueue(to("a", 0));
    herald.runOnce();
    assertThat(herald.paused(A)).isTrue();
    plain.enqueue(to("a", 1));
    plain.enqueue(to("b", 1));
    herald.drain(5);
    assertThat(plain.find("b-1").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    NotificationStatus.DeliveryStatus held = plain.find("a-1").orElseThrow().deliveries().get(0);
    assertThat(held.state()).isEqualTo(DeliveryState.PENDING);
    assertThat(held.attempts()).isZero();
    assertThat(held.lastError()).isEqualTo("released: scope fcm[a] paused");
    assertThat(sentTo("a")).isEqualTo(1);
  }

  @Test
  void aListenerThatKnowsOnlyChannelsIsStillToldOfEachPauseAndResume() {
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    DeliveryListener old = new DeliveryListener() {
      @Override
      public void channelPaused(Channel channel, Outcome cause, Duration pausedFor) {
        seen.add("paused " + channel + " " + pausedFor.toSeconds());
      }

      @Override
      public void channelResumed(Channel channel) {
        seen.add("resumed " + channel);
      }
    };
    fcm.then(new Outcome.ChannelUnavailable(null, "403", "refused"));
    herald = builder().listener(old).build();
    herald.enqueue(to("a", 0));
    herald.runOnce();
    clock.advance(Duration.ofSeconds(30));
    herald.runOnce();
    assertThat(seen).containsExactly("paused fcm 30", "resumed fcm");
  }

  @Test
  void theTransportSeesEachDeliveryWithItsScope() {
    herald().enqueue(to("a", 1));
    herald.enqueue(to("b", 1));
    herald.runOnce();
    assertThat(fcm.sent()).extracting(Delivery::scope).containsExactlyInAnyOrder(A, B);
    assertThat(delivery("a-1").scope()).isEqualTo(A);
  }
}
