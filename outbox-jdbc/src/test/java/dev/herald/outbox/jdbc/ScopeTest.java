package dev.herald.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.Scope;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.outbox.jdbc.testing.OnEachDatabase;
import dev.herald.spi.InputValidator;
import dev.herald.store.ClaimBatch;
import dev.herald.store.ClaimRequest;
import dev.herald.testing.MutableClock;
import dev.herald.testing.RecordingListener;
import dev.herald.testing.ScriptedTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scopes on the real outbox, on H2 and PostgreSQL: recorded with each delivery at enqueue and at
 * expansion, a paused scope's rows never leased while the channel's other scopes are claimed, one
 * probe, the bound per scope, and scopes in the operator's views. The scope of an FCM token
 * {@code a-...} is {@code fcm[a]}.
 */
class ScopeTest extends OnEachDatabase {
  static final Scope A = Scope.of(Channel.FCM, "a");
  static final Scope B = Scope.of(Channel.FCM, "b");
  static final Scope C = Scope.of(Channel.FCM, "c");

  final MutableClock clock = MutableClock.at("2026-12-10T10:00:00Z");
  final ScriptedTransport fcm = new ScriptedTransport(Channel.FCM)
      .scopedBy(t -> Scope.of(Channel.FCM, t.address().substring(0, 1)));
  final RecordingListener events = new RecordingListener();
  JdbcOutbox outbox;
  Herald herald;

  @BeforeEach
  void scopedOutbox() {
    outbox = fx.another(b -> b.validator(InputValidator.of(List.of(fcm))));
  }

  @AfterEach
  void closeEngine() {
    if (herald != null) {
      herald.close();
    }
  }

  Herald.Builder engine() {
    return Herald.builder().store(outbox).transport(fcm).clock(clock).listener(events).instanceId("scopes")
        .channelPause(Duration.ofSeconds(30)).lease(Duration.ofMinutes(5));
  }

  static DeviceTarget.FcmToken token(String scope, int i) {
    return new DeviceTarget.FcmToken(scope + "-token-" + i + "-abcdefghijkl");
  }

  static Notification to(String scope, int i) {
    return Notification.builder(scope + "-" + i).recipient(Recipient.device(token(scope, i))).title("t").build();
  }

  @Test
  void theScopeIsRecordedAtEnqueueAndAtExpansionAndOldDevicesAreNamedWhenFirstExpanded() {
    outbox.enqueue(to("a", 1));
    outbox.register("member-1", token("b", 1));
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}device WHERE scope = 'b'")).as("recorded at registration").isEqualTo(1);
    // A device registered before scopes were recorded.
    outbox.register("member-2", token("a", 2));
    fx.execute("UPDATE ${p}device SET scope = NULL WHERE recipient_id = 'member-2'");
    outbox.enqueue(Notification.builder("to-1").recipient(Recipient.id("member-1")).title("t").build());
    outbox.enqueue(Notification.builder("to-2").recipient(Recipient.id("member-2")).title("t").build());

    ClaimBatch claimed = outbox.claim(new ClaimRequest("test", Fixture.LONG_LEASE, Map.of(Channel.FCM, 10)));
    assertThat(claimed.deliveries()).extracting(c -> c.delivery().notificationKey() + " " + c.delivery().scope())
        .containsExactlyInAnyOrder("a-1 fcm[a]", "to-1 fcm[b]", "to-2 fcm[a]");
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}device WHERE recipient_id = 'member-2' AND scope = 'a'"))
        .as("named by the expansion that met it").isEqualTo(1);
    assertThat(outbox.find("to-1").orElseThrow().deliveries().get(0).scope()).isEqualTo(B);
  }

  @Test
  void aPausedScopesRowsAreNeverLeasedWhileTheOtherScopesDeliverAndOneProbeResumesIt() {
    fcm.always(d -> CompletableFuture.completedFuture(d.scope().equals(A)
        ? new Outcome.ChannelUnavailable(null, "403", "VAPID key refused") : Outcome.delivered("ok")));
    herald = engine().build();
    outbox.enqueue(to("a", 0));
    herald.runOnce();
    assertThat(herald.pausedScopes()).containsExactly(A);
    long tokensBefore = fx.count("SELECT COALESCE(SUM(fencing_token), 0) FROM ${p}delivery WHERE scope = 'a'");

    for (int i = 1; i <= 300; i++) {
      outbox.enqueue(to("a", i)); // the paused scope's backlog, due first
    }
    for (int i = 1; i <= 20; i++) {
      outbox.enqueue(to("b", i));
    }
    assertThat(herald.runOnce()).as("b's twenty in one claim, none of a's").isEqualTo(20);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE scope = 'b' AND state = 2")).isEqualTo(20);
    assertThat(fx.count("SELECT COALESCE(SUM(fencing_token), 0) FROM ${p}delivery WHERE scope = 'a'"))
        .as("no row of the paused scope was claimed").isEqualTo(tokensBefore);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE scope = 'a' AND (lease_owner IS NOT NULL OR attempts > 0)"))
        .isZero();

    clock.advance(Duration.ofSeconds(30));
    fcm.always(Outcome.delivered("fixed"));
    assertThat(herald.runOnce()).as("one probe").isEqualTo(1);
    assertThat(herald.pausedScopes()).isEmpty();
    assertThat(events.events("resumed")).containsExactly("resumed fcm[a]");
    herald.drain(20);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE state = 2")).isEqualTo(320);
    // The first refused one was put back for the pause, by the database's clock: still waiting.
    assertThat(outbox.find("a-0").orElseThrow().deliveries().get(0).lastError()).startsWith("released: channel unavailable");
  }

  @Test
  void aClaimTakesNoMoreOfAScopeThanItsLimitAndFillsTheRestFromTheOthers() {
    for (int i = 0; i < 10; i++) {
      outbox.enqueue(to("a", i));
    }
    for (int i = 0; i < 10; i++) {
      outbox.enqueue(to("b", i));
    }
    for (int i = 0; i < 10; i++) {
      outbox.enqueue(to("c", i));
    }
    ClaimBatch batch = outbox.claim(new ClaimRequest("owner", Fixture.LONG_LEASE, Map.of(Channel.FCM, 12),
        Map.of(A, 3, B, 0)));
    List<String> scopes = new ArrayList<>();
    batch.deliveries().forEach(c -> scopes.add(c.delivery().scope().name()));
    assertThat(scopes).hasSize(12);
    assertThat(scopes.stream().filter("a"::equals).count()).isEqualTo(3);
    assertThat(scopes).doesNotContain("b");
    assertThat(scopes.stream().filter("c"::equals).count()).isEqualTo(9);
  }

  @Test
  void deliveriesCreatedBeforeScopesAreClaimedAndHeldBackByTheScopeTheTransportNamesNow() {
    fcm.always(d -> CompletableFuture.completedFuture(d.scope().equals(A)
        ? new Outcome.ChannelUnavailable(null, "403", "refused") : Outcome.delivered("ok")));
    herald = engine().batchSize(1).build();
    outbox.enqueue(to("a", 0));
    herald.runOnce();
    outbox.enqueue(to("a", 1));
    fx.execute("UPDATE ${p}delivery SET scope = '' WHERE state = 0"); // a row from schema version 3
    herald.drain(5);
    assertThat(fcm.sent()).extracting(Delivery::notificationKey).containsExactly("a-0");
    assertThat(outbox.find("a-1").orElseThrow().deliveries().get(0).lastError()).isEqualTo("released: scope fcm[a] paused");
    assertThat(outbox.find("a-1").orElseThrow().deliveries().get(0).attempts()).isZero();
  }

  @Test
  void deadLettersStatsAndTheOverviewNameTheScope() {
    fcm.always(d -> CompletableFuture.completedFuture(d.scope().equals(B)
        ? Outcome.rejected("400", "bad payload") : Outcome.delivered("ok")));
    herald = engine().build();
    IntStream.range(0, 3).forEach(i -> outbox.enqueue(to("a", i)));
    IntStream.range(0, 2).forEach(i -> outbox.enqueue(to("b", i)));
    herald.runOnce();
    outbox.enqueue(Notification.builder("later").recipient(Recipient.device(token("a", 9))).title("t")
        .notBefore(fx.dbNow().plus(Duration.ofDays(1))).build());

    assertThat(outbox.admin().deadLetters(DeadLetterQuery.all())).extracting(DeadLetter::scope).containsOnly(B);
    assertThat(outbox.admin().deadLetters(DeadLetterQuery.all().withScope(A))).isEmpty();
    assertThat(outbox.admin().countDeadLetters(DeadLetterQuery.all().withScope(B)).count()).isEqualTo(2);
    assertThat(outbox.admin().requeue(DeadLetterQuery.all().withScope(B))).isEqualTo(2);

    OutboxStats stats = outbox.admin().stats();
    assertThat(stats.count(A, DeliveryState.DELIVERED)).isEqualTo(3);
    assertThat(stats.count(B, DeliveryState.PENDING)).isEqualTo(2);
    assertThat(stats.count(Channel.FCM, DeliveryState.PENDING)).isEqualTo(3);
    assertThat(stats.scopes()).containsExactly(A, B);

    OutboxOverview overview = outbox.admin().overview();
    assertThat(overview.scopes()).extracting(s -> s.scope() + " pending=" + s.pending() + " due=" + s.dueNow())
        .containsExactly("fcm[a] pending=1 due=0", "fcm[b] pending=2 due=2");
    assertThat(overview.channels()).singleElement().satisfies(c -> assertThat(c.pending()).isEqualTo(3));
    assertThat(outbox.admin().notification("b-0").orElseThrow().deliveries().get(0).scope()).isEqualTo(B);
  }

  long tokens(String scope) {
    return fx.count("SELECT COALESCE(SUM(fencing_token), 0) FROM ${p}delivery WHERE scope = '" + scope + "'");
  }

  long delivered(String scope) {
    return fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE scope = '" + scope + "' AND state = 2");
  }

  @Test
  void twoPausedScopesCostTheThirdNothingOfItsBatchAndEachGetsOneProbe() {
    fcm.always(d -> CompletableFuture.completedFuture(d.scope().equals(C) ? Outcome.delivered("ok")
        : new Outcome.ChannelUnavailable(null, "401", "credentials refused")));
    herald = engine().batchSize(20).maxInFlightPerChannel(40).build();
    outbox.enqueue(to("a", 0));
    outbox.enqueue(to("b", 0));
    assertThat(herald.runOnce()).isEqualTo(2);
    assertThat(herald.pausedScopes()).containsExactly(A, B);
    assertThat(events.events("paused")).containsExactlyInAnyOrder("paused fcm[a]", "paused fcm[b]");
    long aTokens = tokens("a");
    long bTokens = tokens("b");
    // Both paused scopes' backlogs are due before anything of c.
    for (int i = 1; i <= 200; i++) {
      outbox.enqueue(to("a", i));
      outbox.enqueue(to("b", i));
    }
    for (int i = 1; i <= 60; i++) {
      outbox.enqueue(to("c", i));
    }
    for (int round = 1; round <= 3; round++) {
      assertThat(herald.runOnce()).as("round %d: a full batch of c", round).isEqualTo(20);
      assertThat(delivered("c")).isEqualTo(20L * round);
    }
    assertThat(tokens("a")).as("no row of a leased").isEqualTo(aTokens);
    assertThat(tokens("b")).as("no row of b leased").isEqualTo(bTokens);
    assertThat(fcm.sent().stream().filter(d -> !d.scope().equals(C)).count()).isEqualTo(2);

    // After the pause: one probe each, not a batch; both fail again and pause again.
    clock.advance(Duration.ofSeconds(30));
    assertThat(herald.runOnce()).as("one probe per scope").isEqualTo(2);
    assertThat(fcm.sent().stream().filter(d -> d.scope().equals(A)).count()).isEqualTo(2);
    assertThat(fcm.sent().stream().filter(d -> d.scope().equals(B)).count()).isEqualTo(2);
    assertThat(herald.pausedScopes()).containsExactly(A, B);
    assertThat(herald.runOnce()).isZero();
    // b's service recovers: its probe succeeds and its backlog follows; a stays paused.
    fcm.always(d -> CompletableFuture.completedFuture(d.scope().equals(A)
        ? new Outcome.ChannelUnavailable(null, "401", "credentials refused") : Outcome.delivered("ok")));
    clock.advance(Duration.ofSeconds(60));
    assertThat(herald.runOnce()).as("one probe per scope again").isEqualTo(2);
    assertThat(herald.pausedScopes()).containsExactly(A);
    herald.drain(30);
    // The two refused sends of b were put back for their pause by the database's clock, which this
    // test does not advance: they wait, everything else of b went.
    assertThat(delivered("b")).isEqualTo(199);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE scope = 'b' AND state = 0"
        + " AND last_error LIKE 'released: channel unavailable%'")).isEqualTo(2);
    assertThat(delivered("a")).isZero();
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE scope = 'a' AND state = 0")).isEqualTo(201);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE state NOT IN (0, 2)")).as("nothing dead or gone").isZero();
  }

  @Test
  void theTargetGoneValveTripsOnlyInTheScopeWhereDevicesAreGone() {
    // Scope a's service answers "gone" for every device (the wrong project?), b's for one device of 30.
    fcm.always(d -> CompletableFuture.completedFuture(d.scope().equals(A) || d.target().equals(token("b", 7))
        ? Outcome.targetGone("410", "gone") : Outcome.delivered("ok")));
    for (int i = 0; i < 30; i++) {
      outbox.register("a-member-" + i, token("a", i));
      outbox.register("b-member-" + i, token("b", i));
      outbox.enqueue(Notification.builder("a-" + i).recipient(Recipient.id("a-member-" + i)).title("t").build());
      outbox.enqueue(Notification.builder("b-" + i).recipient(Recipient.id("b-member-" + i)).title("t").build());
    }
    herald = engine().build();
    herald.drain(10);
    assertThat(herald.pausedScopes()).containsExactly(A);
    assertThat(events.events("paused")).containsExactly("paused fcm[a]");
    long invalidA = IntStream.range(0, 30)
        .filter(i -> outbox.find(token("a", i)).orElseThrow().status() == Device.Status.INVALID).count();
    assertThat(invalidA).as("the valve stops invalidating in scope a").isLessThan(20);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE scope = 'a' AND state = 0"))
        .as("a's held deliveries are kept").isEqualTo(30 - invalidA);
    assertThat(outbox.find(token("b", 7)).orElseThrow().status()).as("b invalidates normally")
        .isEqualTo(Device.Status.INVALID);
    assertThat(IntStream.range(0, 30).filter(i -> i != 7)
        .filter(i -> outbox.find(token("b", i)).orElseThrow().status() == Device.Status.ACTIVE).count()).isEqualTo(29);
    assertThat(delivered("b")).isEqualTo(29);
  }

  @Test
  void aSlowScopeHoldsNoMoreThanItsBoundWhileAnotherScopeDeliversEverything() throws Exception {
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
    herald = Herald.builder().store(outbox).transport(fcm).instanceId("slow").maxInFlightPerChannel(8)
        .pollInterval(Duration.ofMillis(20)).lease(Duration.ofMinutes(5)).build();
    for (int i = 0; i < 40; i++) {
      outbox.enqueue(to("a", i)); // due first
    }
    for (int i = 0; i < 40; i++) {
      outbox.enqueue(to("b", i));
    }
    herald.start();
    await(() -> delivered("b") == 40);
    assertThat(slowPeak.get()).as("three quarters of the channel's 8").isEqualTo(6);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE scope = 'a' AND state = 1"))
        .as("leased rows of the slow scope").isEqualTo(6);
    for (int answered = 0; answered < 40; answered++) {
      await(() -> !slow.isEmpty());
      CompletableFuture<Outcome> f = slow.remove(0);
      slowInFlight.decrementAndGet();
      f.complete(Outcome.delivered("late"));
    }
    await(() -> delivered("a") == 40);
    assertThat(slowPeak.get()).isEqualTo(6);
  }

  /** Waits up to 30 s: generous, so that a loaded machine does not fail it. */
  static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(10);
    }
  }
}
