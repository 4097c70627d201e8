package dev.herald.testing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.RetryPolicy;
import dev.herald.spi.DeliveryListener;
import dev.herald.store.Resolution;
import dev.herald.spi.SendDeadline;
import dev.herald.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Regression tests of issue 12, items 0 to 2: nothing a push service, a transport or the store does
 * may wedge the engine, send after a claim's lease, or make an outcome vanish.
 */
class EngineHardeningTest {
  static final String FID = "cQ1xY2z3AbCdEfGhIjKlMn";

  final MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
  final InMemoryOutboxStore memory = new InMemoryOutboxStore(clock);
  final FaultyStore store = new FaultyStore(memory);
  final RecordingListener events = new RecordingListener();
  final List<Herald> started = new ArrayList<>();

  @AfterEach
  void closeAll() {
    started.forEach(Herald::close);
  }

  Herald.Builder builder(Transport t) {
    return Herald.builder().store(store).transport(t).clock(clock).listener(events).instanceId("test")
        .retryPolicy(RetryPolicy.builder().initialDelay(Duration.ofSeconds(10)).maxDelay(Duration.ofMinutes(5))
            .maxAttempts(4).maxAge(Duration.ofHours(1)).random(new SplittableRandom(7)).build())
        .channelPause(Duration.ofSeconds(1)).maxChannelPause(Duration.ofSeconds(2));
  }

  Herald build(Herald.Builder b) {
    Herald h = b.build();
    started.add(h);
    return h;
  }

  static Notification note(String key) {
    return Notification.builder(key).recipient(Recipient.device(new DeviceTarget.FcmInstallation(FID)))
        .title("t").body("b").build();
  }

  NotificationStatus.DeliveryStatus delivery(String key) {
    return memory.find(key).orElseThrow().deliveries().get(0);
  }

  /** A scripted FCM transport that declares a capacity and a send timeout. */
  static final class DeclaringTransport implements Transport {
    final ScriptedTransport inner = new ScriptedTransport(Channel.FCM);
    final int capacity;
    final Duration timeout;
    final List<SendDeadline> deadlines = Collections.synchronizedList(new ArrayList<>());

    DeclaringTransport(int capacity, Duration timeout) {
      this.capacity = capacity;
      this.timeout = timeout;
    }

    @Override
    public Channel channel() {
      return Channel.FCM;
    }

    @Override
    public CompletionStage<Outcome> send(Delivery d) {
      return inner.send(d);
    }

    @Override
    public CompletionStage<Outcome> send(Delivery d, SendDeadline deadline) {
      deadlines.add(deadline);
      return inner.send(d);
    }

    @Override
    public int maxConcurrentSends() {
      return capacity;
    }

    @Override
    public Duration sendTimeout() {
      return timeout;
    }
  }

  // ---------------------------------------------------------------- item 0: leases

  @Test
  void claimsNoMoreThanTheTransportRunsAtOnce() {
    DeclaringTransport t = new DeclaringTransport(3, Duration.ZERO);
    Herald h = build(builder(t));
    for (int i = 0; i < 10; i++) {
      h.enqueue(note("k" + i));
    }
    // maxInFlightPerChannel is 256 and batchSize 100: only the transport's 3 limit the claim.
    assertThat(h.runOnce()).isEqualTo(3);
    assertThat(h.drain(10)).isEqualTo(7);
  }

  @Test
  void eachSendGetsTheClaimsDeadlineOfTheLeaseLessATenth() {
    DeclaringTransport t = new DeclaringTransport(10, Duration.ofSeconds(5));
    Herald h = build(builder(t).lease(Duration.ofSeconds(60)));
    h.enqueue(note("k1"));
    h.runOnce();
    SendDeadline d = t.deadlines.get(0);
    assertThat(d.bounded()).isTrue();
    assertThat(d.remaining()).isLessThanOrEqualTo(Duration.ofSeconds(54)).isGreaterThan(Duration.ofSeconds(50));
  }

  @Test
  void sendIsNotStartedWhenTheGuardTookTheLeaseAndNoAttemptIsCounted() {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM);
    AtomicBoolean slowOnce = new AtomicBoolean(true);
    List<String> notStarted = Collections.synchronizedList(new ArrayList<>());
    Herald h = build(builder(t).lease(Duration.ofSeconds(60)).listener(new DeliveryListener() {
      @Override
      public void sendNotStarted(Delivery d, String reason) {
        notStarted.add(d.notificationKey() + ": " + reason);
      }
    }).guard(d -> {
      if (slowOnce.getAndSet(false)) {
        clock.advance(Duration.ofSeconds(55)); // a guard that took 55 s of a 60 s lease
      }
      return dev.herald.spi.DeliveryGuard.Verdict.proceed();
    }));
    h.enqueue(note("k1"));
    h.runOnce();
    assertThat(t.sendCount()).isZero();
    assertThat(delivery("k1").state()).isEqualTo(DeliveryState.PENDING);
    assertThat(delivery("k1").attempts()).isZero();
    assertThat(delivery("k1").lastError()).startsWith("released: not started: the claim's lease ended");
    assertThat(notStarted).singleElement().asString().startsWith("k1: the claim's lease ended");
    assertThat(h.counters().sendsNotStarted()).isEqualTo(1);
    assertThat(events.events()).contains("released k1");
    // Put back due at once: the next claim sends it, as attempt 1.
    assertThat(h.runOnce()).isEqualTo(1);
    assertThat(t.sent()).extracting(Delivery::attempt).containsExactly(1);
    assertThat(delivery("k1").state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void theGuardIsNotAskedForAClaimWhoseDeadlinePassedWhileItWaitedForAThread() {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM);
    AtomicInteger guardCalls = new AtomicInteger();
    AtomicBoolean slowOnce = new AtomicBoolean(true);
    Herald h = build(builder(t).lease(Duration.ofSeconds(60)).guard(d -> {
      guardCalls.incrementAndGet();
      return dev.herald.spi.DeliveryGuard.Verdict.proceed();
    }).listener(new DeliveryListener() {
      @Override
      public void claimed(Delivery d) {
        if (slowOnce.getAndSet(false)) {
          clock.advance(Duration.ofSeconds(58)); // as if the dispatch threads had been busy that long
        }
      }
    }));
    h.enqueue(note("k1"));
    h.runOnce();
    assertThat(guardCalls).hasValue(0);
    assertThat(t.sendCount()).isZero();
    assertThat(h.counters().sendsNotStarted()).isEqualTo(1);
  }

  @Test
  void sendIsNotStartedWhenLessThanItsTimeoutIsLeft() {
    DeclaringTransport t = new DeclaringTransport(10, Duration.ofSeconds(30));
    AtomicBoolean slowOnce = new AtomicBoolean(true);
    Herald h = build(builder(t).lease(Duration.ofSeconds(60)).guard(d -> {
      if (slowOnce.getAndSet(false)) {
        clock.advance(Duration.ofSeconds(25)); // 54 - 25 = 29 s left, less than the 30 s a send may take
      }
      return dev.herald.spi.DeliveryGuard.Verdict.proceed();
    }));
    h.enqueue(note("k1"));
    h.runOnce();
    assertThat(t.inner.sendCount()).isZero();
    assertThat(delivery("k1").lastError()).contains("sooner than this send may take (30000 ms)");
    assertThat(h.runOnce()).isEqualTo(1);
    assertThat(delivery("k1").state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void aTransportsNotSentPutsTheDeliveryBackWithoutAnAttempt() {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM).then(new Outcome.NotSent("queued too long"));
    Herald h = build(builder(t));
    h.enqueue(note("k1"));
    h.runOnce();
    assertThat(delivery("k1").state()).isEqualTo(DeliveryState.PENDING);
    assertThat(delivery("k1").attempts()).isZero();
    assertThat(h.counters().sendsNotStarted()).isEqualTo(1);
    assertThat(h.runOnce()).isEqualTo(1);
    assertThat(delivery("k1").state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void anOutcomeAfterTheLeaseIsCountedReportedAndStillRecordedWhenNobodyTookOver() {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM).thenStage(d -> {
      clock.advance(Duration.ofSeconds(61)); // answered after the 60 s lease
      return CompletableFuture.completedFuture(Outcome.delivered("late"));
    });
    List<Duration> overdue = Collections.synchronizedList(new ArrayList<>());
    Herald h = build(builder(t).lease(Duration.ofSeconds(60)).listener(new DeliveryListener() {
      @Override
      public void outcomeAfterLeaseExpiry(Delivery d, Outcome o, Duration late) {
        overdue.add(late);
      }
    }));
    h.enqueue(note("k1"));
    h.runOnce();
    assertThat(h.counters().outcomesAfterLeaseExpiry()).isEqualTo(1);
    assertThat(overdue).singleElement().satisfies(d -> assertThat(d).isGreaterThanOrEqualTo(Duration.ofSeconds(1)));
    assertThat(delivery("k1").state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void aTransportThatNeverAnswersIsGivenUpAfterTheLeaseAndItsSlotFreed() {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM).thenStage(d -> {
      clock.advance(Duration.ofMinutes(2));
      return new CompletableFuture<>(); // never completes
    });
    Herald h = build(builder(t).lease(Duration.ofSeconds(60)));
    h.enqueue(note("k1"));
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThat(h.runOnce()).isEqualTo(1));
    assertThat(h.counters().sendsAbandoned()).isEqualTo(1);
    assertThat(h.inFlight(Channel.FCM)).isZero();
    assertThat(delivery("k1").state()).isEqualTo(DeliveryState.PENDING);
    assertThat(delivery("k1").attempts()).isEqualTo(1);
    assertThat(delivery("k1").lastError()).contains("no outcome from the transport before the claim's lease ended");
  }

  @Test
  void aLeaseTooShortForTheTransportsTimeoutIsRefusedAtBuild() {
    DeclaringTransport t = new DeclaringTransport(10, Duration.ofSeconds(30));
    assertThatThrownBy(() -> builder(t).lease(Duration.ofSeconds(4)).build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("lease must be at least 1.25 times the fcm transport's send timeout (PT30S) so that a claimed "
            + "delivery can be sent and recorded before its lease ends: PT4S");
    builder(t).lease(Duration.ofMillis(37_500)).build().close();
    DeclaringTransport endless = new DeclaringTransport(10, Duration.ofSeconds(Long.MAX_VALUE));
    assertThatThrownBy(() -> builder(endless).build()).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("lease must be at least 1.25 times the fcm transport's send timeout");
  }

  @Test
  void decisionsAndSendCompletedRunOnEngineThreadsNotTheTransports() throws Exception {
    List<String> threads = Collections.synchronizedList(new ArrayList<>());
    ScriptedTransport t = new ScriptedTransport(Channel.FCM).always(d -> {
      CompletableFuture<Outcome> f = new CompletableFuture<>();
      new Thread(() -> f.complete(Outcome.delivered("x")), "transport-io").start();
      return f;
    });
    Herald h = build(builder(t).listener(new DeliveryListener() {
      @Override
      public void sendCompleted(Delivery d, Outcome o, Duration elapsed) {
        threads.add(Thread.currentThread().getName());
      }
    }));
    h.enqueue(note("k1"));
    h.runOnce();
    assertThat(threads).singleElement().asString().startsWith("herald-decide-test");
  }

  // ---------------------------------------------------------------- item 2: Retry-After and the decision path

  @Test
  void aYearOfRetryAfterPausesTheChannelNoLongerThanMaxChannelPause() {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM)
        .then(new Outcome.ChannelUnavailable(Duration.ofDays(365), "403", "VAPID refused"));
    Herald h = build(builder(t));
    h.enqueue(note("k1"));
    h.runOnce();
    assertThat(h.paused(Channel.FCM)).isTrue();
    clock.advance(Duration.ofSeconds(2)); // maxChannelPause
    assertThat(h.runOnce()).isEqualTo(1); // the probe
    assertThat(delivery("k1").state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void aRetryAfterNearLongMaxRetriesWithinMaxDelayAndNothingVanishes() {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM)
        .then(Outcome.retry(Duration.ofSeconds(Long.MAX_VALUE), "503", "busy"));
    Herald h = build(builder(t));
    h.enqueue(note("k1"));
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> h.runOnce());
    assertThat(delivery("k1").state()).isEqualTo(DeliveryState.PENDING);
    assertThat(delivery("k1").attempts()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(5)); // the policy's maxDelay
    assertThat(h.runOnce()).isEqualTo(1);
    assertThat(delivery("k1").state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void anExceptionWhileDecidingIsLoggedTheSlotFreedAndTheDeliveryPutBack() {
    RandomGenerator broken = new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new IllegalStateException("jitter source broken");
      }

      @Override
      public double nextDouble() {
        throw new IllegalStateException("jitter source broken");
      }
    };
    ScriptedTransport t = new ScriptedTransport(Channel.FCM).then(Outcome.retry("503", "busy"));
    Herald h = build(builder(t).retryPolicy(RetryPolicy.builder().random(broken).build()));
    h.enqueue(note("k1"));
    try (LogCapture logs = new LogCapture()) {
      assertTimeoutPreemptively(Duration.ofSeconds(10), () -> h.runOnce());
      assertThat(logs.containing("Herald could not handle the outcome of")).hasSize(1);
      assertThat(logs.containing("jitter source broken")).isNotEmpty();
    }
    assertThat(h.counters().decisionFailures()).isEqualTo(1);
    assertThat(h.inFlight(Channel.FCM)).isZero();
    assertThat(delivery("k1").state()).isEqualTo(DeliveryState.PENDING);
    assertThat(delivery("k1").attempts()).isZero();
    assertThat(delivery("k1").lastError()).contains("outcome handling failed");
  }

  // ---------------------------------------------------------------- item 1: recording never wedges

  @Test
  void aCompletionTheStoreRefusesIsRecordedWithoutItsDetailsAndTheOthersAsTheyAre() throws Exception {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM).always(d -> CompletableFuture.completedFuture(
        Outcome.delivered(d.notificationKey().equals("k3") ? "poison-id" : "id-" + d.notificationKey())));
    store.refuse(c -> c.resolution() instanceof Resolution.Delivered del && "poison-id".equals(del.providerId()));
    Herald h = build(builder(t).pollInterval(Duration.ofMillis(20)));
    for (int i = 0; i < 8; i++) {
      h.enqueue(note("k" + i));
    }
    h.start();
    EngineTest.await(() -> events.events("delivered").size() == 8);
    for (int i = 0; i < 8; i++) {
      assertThat(delivery("k" + i).state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(delivery("k" + i).providerId()).isEqualTo(i == 3 ? null : "id-k" + i);
    }
    assertThat(h.inFlight(Channel.FCM)).isZero();
  }

  @Test
  void aCompletionRefusedEvenWithoutDetailsIsLeftToItsLeaseAndBlocksNothing() throws Exception {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM);
    AtomicInteger poisonId = new AtomicInteger(-1);
    Herald h = build(builder(t).pollInterval(Duration.ofMillis(20)));
    for (int i = 0; i < 8; i++) {
      h.enqueue(note("k" + i));
    }
    poisonId.set((int) delivery("k5").deliveryId());
    store.refuse(c -> c.deliveryId() == poisonId.get());
    h.start();
    EngineTest.await(() -> events.events("delivered").size() == 7 && h.counters().unrecordable() == 1);
    assertThat(delivery("k5").state()).isEqualTo(DeliveryState.IN_FLIGHT); // until its lease expires
    EngineTest.await(() -> h.inFlight(Channel.FCM) == 0);
  }

  @Test
  void closeReturnsWithinTheShutdownTimeoutWhenTheStoreIsGoneAndLogsAtABoundedRate() throws Exception {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM);
    Herald h = build(builder(t).pollInterval(Duration.ofMillis(20)).shutdownTimeout(Duration.ofMillis(500)));
    for (int i = 0; i < 5; i++) {
      h.enqueue(note("k" + i));
    }
    store.completeDown(true);
    try (LogCapture logs = new LogCapture()) {
      h.start();
      EngineTest.await(() -> t.sendCount() == 5);
      Thread.sleep(1_500); // the store stays unreachable while outcomes wait
      long start = System.nanoTime();
      assertTimeoutPreemptively(Duration.ofSeconds(5), h::close);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      // The timeout plus a margin for a loaded machine; the defect was a close() that never returned.
      assertThat(took).isLessThan(Duration.ofMillis(500 + 1_000));
      EngineTest.await(() -> !threadAlive("herald-completer-test") && !threadAlive("herald-poller-test"));
      // About 15 failed attempts in 1.5 s: the first logged with its cause, the rest counted.
      assertThat(logs.containing("could not record")).hasSizeBetween(1, 3);
      assertThat(logs.peakLogLinesPerSecond()).isLessThanOrEqualTo(10);
    }
    // Left to lease expiry: in flight, not lost.
    assertThat(delivery("k0").state()).isEqualTo(DeliveryState.IN_FLIGHT);
  }

  @Test
  void closeReturnsWithinTheShutdownTimeoutWhenTheStoreHangs() throws Exception {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM);
    Herald h = build(builder(t).pollInterval(Duration.ofMillis(20)).shutdownTimeout(Duration.ofMillis(500)));
    h.enqueue(note("k1"));
    store.hang();
    h.start();
    EngineTest.await(() -> t.sendCount() == 1 && store.completeCalls() > 0);
    long start = System.nanoTime();
    assertTimeoutPreemptively(Duration.ofSeconds(5), h::close);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500 + 1_000));
    store.unhang();
    EngineTest.await(() -> !threadAlive("herald-completer-test"));
  }

  @Test
  void closeFromAnInterruptedThreadStillWaitsItsBoundedTimeAndKeepsTheFlag() throws Exception {
    CompletableFuture<Outcome> slow = new CompletableFuture<>();
    ScriptedTransport t = new ScriptedTransport(Channel.FCM).thenStage(d -> slow);
    Herald h = build(builder(t).pollInterval(Duration.ofMillis(20)).shutdownTimeout(Duration.ofMillis(400)));
    h.enqueue(note("k1"));
    h.start();
    EngineTest.await(() -> t.sendCount() == 1);
    Thread.currentThread().interrupt();
    long start = System.nanoTime();
    h.close();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(Thread.interrupted()).isTrue();
    assertThat(took).isBetween(Duration.ofMillis(250), Duration.ofMillis(400 + 1_000));
    assertThat(delivery("k1").state()).isEqualTo(DeliveryState.PENDING); // released for another instance
  }

  @Test
  void aStrayInterruptOfTheCompleterBeforeCloseDoesNotStopRecording() throws Exception {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM);
    Herald h = build(builder(t).pollInterval(Duration.ofMillis(20)));
    h.start();
    EngineTest.await(() -> threadAlive("herald-completer-test"));
    Thread.getAllStackTraces().keySet().stream().filter(th -> th.getName().equals("herald-completer-test"))
        .forEach(Thread::interrupt);
    h.enqueue(note("k1"));
    EngineTest.await(() -> events.events("delivered").size() == 1);
    assertThat(threadAlive("herald-completer-test")).isTrue();
  }

  @Test
  void storeOutageThenRecoveryRecordsEverythingKept() throws Exception {
    ScriptedTransport t = new ScriptedTransport(Channel.FCM);
    Herald h = build(builder(t).pollInterval(Duration.ofMillis(20)));
    for (int i = 0; i < 6; i++) {
      h.enqueue(note("k" + i));
    }
    store.completeDown(true);
    h.start();
    EngineTest.await(() -> t.sendCount() == 6 && store.completeCalls() > 3);
    store.completeDown(false);
    EngineTest.await(() -> events.events("delivered").size() == 6);
    for (int i = 0; i < 6; i++) {
      assertThat(delivery("k" + i).providerId()).as("kept its details through the outage").isNotNull();
    }
  }

  static boolean threadAlive(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(th -> th.getName().startsWith(prefix) && th.isAlive());
  }
}
