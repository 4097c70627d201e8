package dev.herald.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.EnqueueResult;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.NotificationStatus.DeliveryStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.Scope;
import dev.herald.spi.InputValidator;
import org.junit.jupiter.api.Assumptions;
import dev.herald.store.ClaimRequest;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.spi.DeviceRegistry;
import dev.herald.store.OutboxStore;
import dev.herald.store.Resolution;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.ActionChainArbitrary;
import net.jqwik.api.state.Transformer;

/**
 * The contract between the engine and an {@link OutboxStore}, as a test suite: what every store must
 * do so that the engine's guarantees hold whichever store it runs on. Extend it once per store and
 * say how to make a fresh one ({@link #newSubject()}); Herald runs it on its in-memory store, on H2
 * and on PostgreSQL, and a third-party store runs it the same way:
 *
 * <pre>{@code
 * class MyStoreContractTest extends OutboxStoreContract {
 *   protected Subject newSubject() {
 *     MyStore store = MyStore.createEmpty();
 *     return Subject.of(store, store::endAllLeasesNow, store::close);
 *   }
 * }
 * }</pre>
 *
 * <p>It checks, through the store's own {@link OutboxStore#find} and never behind its back: one key,
 * one notification (also under concurrent duplicates); a due delivery is claimed by one owner at a
 * time under a lease with a fencing token that grows on every claim; a completion is applied only
 * with the current token and is otherwise returned as stale and changes nothing; each
 * {@link Resolution} is recorded with exactly the state, attempt count, delay and last error it
 * declares; cancel finishes what is not claimed; and, for a store that is also a
 * {@link DeviceRegistry}, expansion to active devices and invalidation on "target gone". A property
 * then drives random sequences of all of these against a model and checks the store after every step.
 *
 * <p>Built on jqwik, which runs {@code @Example} and {@code @Property} methods on the JUnit Platform.
 */
public abstract class OutboxStoreContract {
  /** The lease every claim of this suite asks for. */
  protected static final Duration LEASE = Duration.ofMinutes(1);

  private static final List<String> KEYS = List.of("k0", "k1", "k2", "k3", "k4", "k5");
  /** The owners the suite claims as; a store that ends leases per owner ends them for these. */
  protected static final List<String> OWNERS = List.of("engine-a", "engine-b");

  private final List<Subject> open = new CopyOnWriteArrayList<>();

  /**
   * A store under test and what the suite needs beyond the {@link OutboxStore} interface.
   * Implementations release everything in {@link #close()}.
   */
  public interface Subject extends AutoCloseable {
    /** The store, empty when the subject is made. */
    OutboxStore store();

    /**
     * Ends every lease held now, as if the lease time had passed, without making anything else
     * due: a store on a settable clock moves it past {@link #LEASE}; a database store expires the
     * leases in place.
     */
    void expireLeases();

    @Override
    void close();

    /** A subject from its three parts. */
    static Subject of(OutboxStore store, Runnable expireLeases, Runnable close) {
      return new Subject() {
        @Override
        public OutboxStore store() {
          return store;
        }

        @Override
        public void expireLeases() {
          expireLeases.run();
        }

        @Override
        public void close() {
          close.run();
        }
      };
    }
  }

  /** A fresh, empty store: called for every example and every try of the property. */
  protected abstract Subject newSubject();

  /**
   * A fresh, empty store that names each delivery's {@link Scope} with {@code scopes}, as it would
   * with the transports' validator; null (the default) for a store without scopes, whose scope
   * examples are then skipped.
   */
  protected Subject newScopedSubject(InputValidator scopes) {
    return null;
  }

  private OutboxStore scopedStore() {
    Subject s = newScopedSubject(BY_TOKEN_PREFIX);
    Assumptions.assumeTrue(s != null, "this store records no scopes");
    open.add(s);
    return s.store();
  }

  /** Scopes for the scope examples: an FCM token {@code a-1} is in scope {@code fcm[a]}. */
  private static final InputValidator BY_TOKEN_PREFIX = new InputValidator() {
    @Override
    public Scope scope(DeviceTarget target) {
      String address = target.address();
      String prefix = address.substring("device-".length(), address.indexOf('-', "device-".length()));
      return Scope.of(target.channel(), prefix);
    }
  };

  private Subject subject() {
    Subject s = newSubject();
    open.add(s);
    return s;
  }

  /** Closes the subjects of the example or try that just ended. */
  @AfterTry
  void closeSubjects() {
    for (Subject s : open) {
      s.close();
    }
    open.clear();
  }

  // ------------------------------------------------------------------ examples

  @Example
  void eachDeliveryCarriesTheScopeItWasCreatedIn() {
    OutboxStore store = scopedStore();
    store.enqueue(note("a-1"));
    DeviceRegistry registry = registry(store);
    if (registry != null) {
      registry.register("member-1", fcmTarget("b-phone"));
      store.enqueue(Notification.builder("by-id").recipient(Recipient.id("member-1")).title("t").build());
    }
    List<ClaimedDelivery> claimed = claim(store, "engine-a", 10);
    assertThat(claimed).extracting(c -> c.delivery().scope().name())
        .containsExactlyInAnyOrderElementsOf(registry != null ? List.of("a", "b") : List.of("a"));
    assertThat(delivery(store, "a-1").scope()).isEqualTo(Scope.of(Channel.FCM, "a"));
    if (registry != null) {
      assertThat(delivery(store, "by-id").scope()).isEqualTo(Scope.of(Channel.FCM, "b"));
    }
  }

  @Example
  void aScopeListedAtZeroIsNotLeasedWhileItsChannelsOtherScopesAreClaimed() {
    OutboxStore store = scopedStore();
    for (int i = 0; i < 6; i++) {
      store.enqueue(note("paused-" + i)); // due first
    }
    for (int i = 0; i < 4; i++) {
      store.enqueue(note("ok-" + i));
    }
    Scope paused = Scope.of(Channel.FCM, "paused");
    List<ClaimedDelivery> claimed = store.claim(new ClaimRequest("engine-a", LEASE, Map.of(Channel.FCM, 3),
        Map.of(paused, 0))).deliveries();
    assertThat(claimed).hasSize(3).allSatisfy(c -> assertThat(c.delivery().scope().name()).isEqualTo("ok"));
    for (int i = 0; i < 6; i++) {
      DeliveryStatus d = delivery(store, "paused-" + i);
      assertThat(d.state()).as("paused-" + i + " not leased").isEqualTo(DeliveryState.PENDING);
      assertThat(d.attempts()).isZero();
    }
    assertThat(store.claim(new ClaimRequest("engine-a", LEASE, Map.of(Channel.FCM, 10), Map.of(paused, 0))).deliveries())
        .extracting(c -> c.delivery().notificationKey()).containsExactly("ok-3");
  }

  @Example
  void aScopeIsClaimedUpToItsOwnLimitAndTheRestComesFromTheOthers() {
    OutboxStore store = scopedStore();
    for (int i = 0; i < 6; i++) {
      store.enqueue(note("busy-" + i));
    }
    for (int i = 0; i < 6; i++) {
      store.enqueue(note("idle-" + i));
    }
    List<ClaimedDelivery> claimed = store.claim(new ClaimRequest("engine-a", LEASE, Map.of(Channel.FCM, 5),
        Map.of(Scope.of(Channel.FCM, "busy"), 2))).deliveries();
    assertThat(claimed).hasSize(5);
    assertThat(claimed).filteredOn(c -> c.delivery().scope().name().equals("busy")).hasSize(2);
    assertThat(claimed).filteredOn(c -> c.delivery().scope().name().equals("idle")).hasSize(3);
  }

  @Example
  void aKnownKeyCreatesNothingAndReportsTheExistingNotification() {
    OutboxStore store = subject().store();
    EnqueueResult first = store.enqueue(note("k"));
    EnqueueResult again = store.enqueue(note("k"));
    assertThat(first.created()).isTrue();
    assertThat(again).isEqualTo(new EnqueueResult(first.notificationId(), false));
    assertThat(store.find("k")).get().extracting(NotificationStatus::deliveries).asList().hasSize(1);
  }

  @Example
  void concurrentDuplicatesCreateOneNotification() throws Exception {
    OutboxStore store = subject().store();
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<EnqueueResult>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return store.enqueue(note("dup"));
        }));
      }
      start.countDown();
      List<EnqueueResult> all = new ArrayList<>();
      for (Future<EnqueueResult> f : results) {
        all.add(f.get(30, TimeUnit.SECONDS));
      }
      assertThat(all).filteredOn(EnqueueResult::created).hasSize(1);
      assertThat(all).extracting(EnqueueResult::notificationId).containsOnly(all.get(0).notificationId());
    } finally {
      pool.shutdownNow();
    }
  }

  @Example
  void enqueueAllReportsEachInInputOrder() {
    OutboxStore store = subject().store();
    store.enqueue(note("b"));
    List<EnqueueResult> r = store.enqueueAll(List.of(note("a"), note("b"), note("c")));
    assertThat(r).extracting(EnqueueResult::created).containsExactly(true, false, true);
  }

  @Example
  void aDueDeliveryGoesToOneOwnerAtATimeWithAGrowingToken() {
    Subject s = subject();
    OutboxStore store = s.store();
    store.enqueue(note("k"));
    List<ClaimedDelivery> a = claim(store, "engine-a", 10);
    assertThat(a).hasSize(1);
    assertThat(a.get(0).delivery().attempt()).isEqualTo(1);
    assertThat(claim(store, "engine-b", 10)).as("held under a lease").isEmpty();
    s.expireLeases();
    List<ClaimedDelivery> b = claim(store, "engine-b", 10);
    assertThat(b).as("claimable again once the lease ended").hasSize(1);
    assertThat(b.get(0).fencingToken()).isGreaterThan(a.get(0).fencingToken());
    assertThat(b.get(0).delivery().deliveryId()).isEqualTo(a.get(0).delivery().deliveryId());
  }

  @Example
  void aClaimTakesNoMoreThanItsLimitPerChannelAndOnlyItsChannels() {
    OutboxStore store = subject().store();
    for (int i = 0; i < 5; i++) {
      store.enqueue(note("fcm-" + i));
    }
    store.enqueue(Notification.builder("web").recipient(Recipient.device(webPushTarget("web"))).title("t").build());
    assertThat(claim(store, "engine-a", 3)).hasSize(3)
        .allSatisfy(c -> assertThat(c.delivery().channel()).isEqualTo(Channel.FCM));
    assertThat(store.claim(new ClaimRequest("engine-a", LEASE, Map.of(Channel.FCM, 0))).deliveries()).isEmpty();
  }

  @Example
  void nothingIsClaimedBeforeItsNotBefore() {
    OutboxStore store = subject().store();
    store.enqueue(Notification.builder("later").recipient(Recipient.device(fcmTarget("later"))).title("t")
        .notBefore(Instant.now().plus(Duration.ofDays(1))).build());
    assertThat(claim(store, "engine-a", 10)).isEmpty();
    assertThat(store.find("later")).get().extracting(NotificationStatus::state).isEqualTo(DeliveryState.PENDING);
  }

  @Example
  void aStaleCompletionIsReturnedAndChangesNothing() {
    Subject s = subject();
    OutboxStore store = s.store();
    store.enqueue(note("k"));
    ClaimedDelivery first = claim(store, "engine-a", 1).get(0);
    s.expireLeases();
    ClaimedDelivery second = claim(store, "engine-b", 1).get(0);
    Completion late = new Completion(first.delivery().deliveryId(), first.fencingToken(), new Resolution.Delivered("x"));
    assertThat(store.complete(List.of(late))).containsExactly(late);
    assertThat(delivery(store, "k").state()).isEqualTo(DeliveryState.IN_FLIGHT);
    Completion current = new Completion(second.delivery().deliveryId(), second.fencingToken(),
        new Resolution.Delivered("y"));
    assertThat(store.complete(List.of(current))).isEmpty();
    assertThat(store.complete(List.of(current))).as("a repeat of an applied completion is stale").containsExactly(current);
    assertThat(delivery(store, "k").providerId()).isEqualTo("y");
  }

  /**
   * Every resolution is recorded with one meaning on every store: the state, whether it counted as
   * an attempt, whether it is due again at once, and the last-error text an operator reads.
   */
  @Example
  void eachResolutionIsRecordedWithOneMeaning() {
    expectRecorded(new Resolution.Delivered("projects/p/messages/1"), DeliveryState.DELIVERED, 1, null,
        "projects/p/messages/1", false);
    expectRecorded(new Resolution.Retry(Duration.ZERO, Outcome.retry("503", "unavailable")), DeliveryState.PENDING, 1,
        "503: unavailable", null, true);
    expectRecorded(new Resolution.Retry(Duration.ofHours(1), Outcome.retry("429", "quota")), DeliveryState.PENDING, 1,
        "429: quota", null, false);
    expectRecorded(new Resolution.Dead(Outcome.rejected("400", "bad payload")), DeliveryState.DEAD, 1,
        "400: bad payload", null, false);
    expectRecorded(new Resolution.Cancelled("schedule already started"), DeliveryState.CANCELLED, 0,
        "vetoed by the guard: schedule already started", null, false);
    expectRecorded(new Resolution.Expired(), DeliveryState.EXPIRED, 0, "expired before it could be sent", null, false);
    expectRecorded(new Resolution.TargetGone((Outcome.TargetGone) Outcome.targetGone("404", "gone"), false),
        DeliveryState.TARGET_GONE, 1, "404: gone", null, false);
    expectRecorded(new Resolution.Release(Duration.ZERO, "channel fcm paused"), DeliveryState.PENDING, 0,
        "released: channel fcm paused", null, true);
    expectRecorded(new Resolution.Release(Duration.ofHours(1), "channel fcm paused"), DeliveryState.PENDING, 0,
        "released: channel fcm paused", null, false);
  }

  private void expectRecorded(Resolution r, DeliveryState state, int attempts, String lastError, String providerId,
      boolean dueAgainAtOnce) {
    Subject s = subject();
    OutboxStore store = s.store();
    store.enqueue(note("k"));
    ClaimedDelivery c = claim(store, "engine-a", 1).get(0);
    assertThat(store.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(), r)))).isEmpty();
    DeliveryStatus d = delivery(store, "k");
    String what = r.getClass().getSimpleName();
    assertThat(d.state()).as("state after " + what).isEqualTo(state);
    assertThat(d.attempts()).as("attempts after " + what).isEqualTo(attempts);
    assertThat(d.lastError()).as("last error after " + what).isEqualTo(lastError);
    assertThat(d.providerId()).as("provider id after " + what).isEqualTo(providerId);
    List<ClaimedDelivery> again = claim(store, "engine-a", 1);
    assertThat(again).as("due again at once after " + what).hasSize(dueAgainAtOnce ? 1 : 0);
    if (dueAgainAtOnce) {
      assertThat(again.get(0).delivery().attempt()).as("attempt number of the next claim").isEqualTo(attempts + 1);
    }
    s.close();
    open.remove(s);
  }

  @Example
  void cancelFinishesWhatIsNotClaimedAndLeavesWhatIsInFlight() {
    OutboxStore store = subject().store();
    store.enqueue(note("pending"));
    store.enqueue(note("flying"));
    assertThat(store.cancel("pending")).isTrue();
    DeliveryStatus cancelled = delivery(store, "pending");
    assertThat(cancelled.state()).isEqualTo(DeliveryState.CANCELLED);
    assertThat(cancelled.lastError()).isEqualTo("cancelled by the host");
    assertThat(store.cancel("pending")).as("twice").isFalse();
    assertThat(store.cancel("unknown")).isFalse();
    assertThat(claim(store, "engine-a", 10)).hasSize(1);
    assertThat(store.cancel("flying")).isFalse();
    assertThat(delivery(store, "flying").state()).isEqualTo(DeliveryState.IN_FLIGHT);
  }

  @Example
  void aRecipientIsExpandedToItsActiveDevicesWhenDue() {
    OutboxStore store = subject().store();
    DeviceRegistry registry = registry(store);
    if (registry == null) {
      return;
    }
    registry.register("member-1", fcmTarget("phone"));
    registry.register("member-1", webPushTarget("browser"));
    registry.register("member-1", fcmTarget("tablet"));
    registry.unregister(fcmTarget("tablet"));
    store.enqueue(Notification.builder("r").recipient(Recipient.id("member-1")).title("t").build());
    List<ClaimedDelivery> all = store.claim(new ClaimRequest("engine-a", LEASE,
        Map.of(Channel.FCM, 10, Channel.WEB_PUSH, 10))).deliveries();
    assertThat(all).extracting(c -> c.delivery().target()).containsExactlyInAnyOrder(fcmTarget("phone"),
        webPushTarget("browser"));
    assertThat(store.find("r")).get().extracting(n -> n.deliveries().size()).isEqualTo(2);
  }

  @Example
  void aRecipientWithoutActiveDevicesEndsAsTargetGone() {
    OutboxStore store = subject().store();
    if (registry(store) == null) {
      return;
    }
    store.enqueue(Notification.builder("nobody").recipient(Recipient.id("member-none")).title("t").build());
    assertThat(claim(store, "engine-a", 10)).isEmpty();
    assertThat(store.find("nobody")).get().extracting(NotificationStatus::state).isEqualTo(DeliveryState.TARGET_GONE);
  }

  /**
   * "Target gone" invalidates the device and finishes the other pending deliveries expanded to it in
   * the same step; a delivery to the same address given explicitly ({@link Recipient#device}) bypasses
   * the registry and is left to meet the push service's own answer.
   */
  @Example
  void targetGoneInvalidatesTheDeviceAndFinishesItsOtherPendingDeliveries() {
    OutboxStore store = subject().store();
    DeviceRegistry registry = registry(store);
    if (registry == null) {
      return;
    }
    registry.register("member-1", fcmTarget("phone"));
    store.enqueue(Notification.builder("first").recipient(Recipient.id("member-1")).title("t").build());
    store.enqueue(Notification.builder("second").recipient(Recipient.id("member-1")).title("t").build());
    store.enqueue(Notification.builder("explicit").recipient(Recipient.device(fcmTarget("phone"))).title("t")
        .notBefore(Instant.now().plus(Duration.ofDays(1))).build());
    // Both expanded and claimed; the second put back, so that it waits bound to the device.
    List<ClaimedDelivery> both = claim(store, "engine-a", 10);
    assertThat(both).hasSize(2);
    ClaimedDelivery c = both.get(0);
    ClaimedDelivery put = both.get(1);
    String other = put.delivery().notificationKey();
    store.complete(List.of(new Completion(put.delivery().deliveryId(), put.fencingToken(),
        new Resolution.Release(Duration.ofHours(1), "test"))));
    assertThat(delivery(store, other).state()).as("expanded, waiting").isEqualTo(DeliveryState.PENDING);
    Outcome.TargetGone gone = (Outcome.TargetGone) Outcome.targetGone("UNREGISTERED", "app uninstalled");
    assertThat(store.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(),
        new Resolution.TargetGone(gone, true))))).isEmpty();
    Device device = registry.find(fcmTarget("phone")).orElseThrow();
    assertThat(device.status()).isEqualTo(Device.Status.INVALID);
    assertThat(device.invalidReason()).isEqualTo("UNREGISTERED: app uninstalled");
    DeliveryStatus finished = delivery(store, other);
    assertThat(finished.state()).as("the device's other pending delivery").isEqualTo(DeliveryState.TARGET_GONE);
    assertThat(finished.attempts()).as("finished without a send").isZero();
    assertThat(finished.lastError()).isEqualTo("device invalidated: UNREGISTERED: app uninstalled");
    assertThat(delivery(store, "explicit").state()).as("an explicit target bypasses the registry")
        .isEqualTo(DeliveryState.PENDING);
    assertThat(registry.devices("member-1")).extracting(Device::status).containsExactly(Device.Status.INVALID);
  }

  @Example
  void targetGoneWithoutInvalidationKeepsTheDevice() {
    OutboxStore store = subject().store();
    DeviceRegistry registry = registry(store);
    if (registry == null) {
      return;
    }
    registry.register("member-1", fcmTarget("phone"));
    store.enqueue(Notification.builder("first").recipient(Recipient.id("member-1")).title("t").build());
    ClaimedDelivery c = claim(store, "engine-a", 1).get(0);
    store.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(),
        new Resolution.TargetGone((Outcome.TargetGone) Outcome.targetGone("404", "gone"), false))));
    assertThat(registry.find(fcmTarget("phone")).orElseThrow().status()).isEqualTo(Device.Status.ACTIVE);
  }

  // ------------------------------------------------------------------ the model property

  /**
   * Random sequences of enqueue (often of a known key), cancel, claim by two owners, every
   * resolution (current and stale) and lease expiry, checked after every step against a model.
   */
  @Property(tries = 15)
  void storeMatchesTheModel(@ForAll("chains") ActionChain<World> chain) {
    chain.withInvariant("store matches model", this::check).run();
  }

  @Provide
  Arbitrary<ActionChain<World>> chains() {
    ActionChainArbitrary<World> chains = ActionChain.<World>startWith(() -> new World(subject()))
        .withAction(4, new Enqueue())
        .withAction(1, new Cancel())
        .withAction(4, new Claim())
        .withAction(5, new Complete())
        .withAction(1, new ExpireLeases());
    return chains.withMaxTransformations(30);
  }

  /** Checks the store against the model through {@link OutboxStore#find}. */
  private void check(World w) {
    for (Map.Entry<String, Note> e : w.notes.entrySet()) {
      Note n = e.getValue();
      NotificationStatus s = w.store().find(e.getKey()).orElse(null);
      assertThat(s).as(e.getKey() + " is lost").isNotNull();
      assertThat(s.notificationId()).isEqualTo(n.id);
      assertThat(s.deliveries()).as("deliveries of " + e.getKey()).hasSize(1);
      DeliveryStatus d = s.deliveries().get(0);
      assertThat(d.deliveryId()).isEqualTo(n.deliveryId);
      assertThat(d.state()).as("state of " + e.getKey()).isEqualTo(n.state);
      assertThat(d.attempts()).as("attempts of " + e.getKey()).isEqualTo(n.attempts);
      assertThat(d.lastError()).as("last error of " + e.getKey()).isEqualTo(n.lastError);
      assertThat(n.delivered).as("deliveries recorded for " + e.getKey()).isLessThanOrEqualTo(1);
    }
  }

  /** The model's view of one notification (one explicit device, so one delivery). */
  static final class Note {
    final long id;
    final long deliveryId;
    DeliveryState state = DeliveryState.PENDING;
    boolean due = true;
    long token;
    boolean leaseExpired;
    int attempts;
    int delivered;
    String lastError;

    Note(long id, long deliveryId) {
      this.id = id;
      this.deliveryId = deliveryId;
    }

    boolean claimable() {
      return (state == DeliveryState.PENDING && due) || (state == DeliveryState.IN_FLIGHT && leaseExpired);
    }
  }

  private record Held(String key, long deliveryId, long token) {}

  /** The store under test and the model it is checked against. */
  static final class World {
    final Subject subject;
    final Map<String, Note> notes = new LinkedHashMap<>();
    final List<Held> claims = new ArrayList<>();

    World(Subject subject) {
      this.subject = subject;
    }

    OutboxStore store() {
      return subject.store();
    }

    @Override
    public String toString() {
      return "World" + notes.keySet();
    }
  }

  private static final class Enqueue implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.of(KEYS).map(key -> Transformer.mutate("enqueue " + key, w -> {
        EnqueueResult r = w.store().enqueue(note(key));
        Note known = w.notes.get(key);
        if (known != null) {
          assertThat(r).isEqualTo(new EnqueueResult(known.id, false));
          return;
        }
        assertThat(r.created()).isTrue();
        NotificationStatus s = w.store().find(key).orElseThrow();
        w.notes.put(key, new Note(r.notificationId(), s.deliveries().get(0).deliveryId()));
      }));
    }
  }

  private static final class Cancel implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.of(KEYS).map(key -> Transformer.mutate("cancel " + key, w -> {
        Note n = w.notes.get(key);
        boolean expected = n != null && n.state == DeliveryState.PENDING;
        assertThat(w.store().cancel(key)).isEqualTo(expected);
        if (expected) {
          n.state = DeliveryState.CANCELLED;
          n.lastError = "cancelled by the host";
        }
      }));
    }
  }

  private static final class Claim implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Combinators.combine(Arbitraries.of(OWNERS), Arbitraries.integers().between(1, 4))
          .as((owner, limit) -> Transformer.mutate("claim " + limit + " by " + owner, w -> {
            long claimable = w.notes.values().stream().filter(Note::claimable).count();
            List<ClaimedDelivery> got = claim(w.store(), owner, limit);
            assertThat(got).as("claimed of " + claimable + " claimable").hasSize((int) Math.min(limit, claimable));
            for (ClaimedDelivery d : got) {
              String key = d.delivery().notificationKey();
              Note n = w.notes.get(key);
              assertThat(n.claimable()).as(key + " was claimable").isTrue();
              assertThat(d.delivery().deliveryId()).isEqualTo(n.deliveryId);
              assertThat(d.fencingToken()).isGreaterThan(n.token);
              assertThat(d.delivery().attempt()).isEqualTo(n.attempts + 1);
              n.state = DeliveryState.IN_FLIGHT;
              n.token = d.fencingToken();
              n.leaseExpired = false;
              w.claims.add(new Held(key, d.delivery().deliveryId(), d.fencingToken()));
            }
          }));
    }
  }

  private static final class Complete implements Action.Dependent<World> {
    @Override
    public boolean precondition(World w) {
      return !w.claims.isEmpty();
    }

    @Override
    public Arbitrary<Transformer<World>> transformer(World w) {
      // A claim picked by position when the step runs: shrinking replays steps on a fresh store,
      // where ids and tokens captured at generation time would mean something else.
      Arbitrary<Integer> index = Arbitraries.integers().between(0, w.claims.size() - 1);
      Arbitrary<Resolution> resolution = Arbitraries.of(
          new Resolution.Delivered("p"),
          new Resolution.Retry(Duration.ZERO, Outcome.retry("503", "unavailable")),
          new Resolution.Retry(Duration.ofHours(1), Outcome.retry("429", "later")),
          new Resolution.Dead(Outcome.rejected("400", "bad")),
          new Resolution.Cancelled("vetoed"),
          new Resolution.Expired(),
          new Resolution.TargetGone((Outcome.TargetGone) Outcome.targetGone("404", "gone"), true),
          new Resolution.Release(Duration.ZERO, "paused"));
      return Combinators.combine(index, resolution).as((i, r) -> Transformer.mutate(
          "complete claim #" + i + " as " + describe(r), world -> {
            if (world.claims.isEmpty()) {
              return;
            }
            Held h = world.claims.get(i % world.claims.size());
            Note n = world.notes.get(h.key());
            boolean current = n.state == DeliveryState.IN_FLIGHT && n.token == h.token();
            Completion c = new Completion(h.deliveryId(), h.token(), r);
            assertThat(world.store().complete(List.of(c))).as("stale?").isEqualTo(current ? List.of() : List.of(c));
            if (!current) {
              return;
            }
            n.state = r.state();
            if (countsAsAttempt(r)) {
              n.attempts++;
            }
            if (r instanceof Resolution.Delivered) {
              n.delivered++;
            }
            n.due = r instanceof Resolution.Retry retry ? retry.delay().isZero()
                : r instanceof Resolution.Release release && release.delay().isZero();
            n.lastError = expectedLastError(r);
          }));
    }
  }

  private static final class ExpireLeases implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.just(Transformer.mutate("expire leases", w -> {
        w.subject.expireLeases();
        w.notes.values().stream().filter(n -> n.state == DeliveryState.IN_FLIGHT).forEach(n -> n.leaseExpired = true);
      }));
    }
  }

  // ------------------------------------------------------------------ helpers

  private static boolean countsAsAttempt(Resolution r) {
    return r instanceof Resolution.Delivered || r instanceof Resolution.Retry || r instanceof Resolution.Dead
        || r instanceof Resolution.TargetGone;
  }

  /** The last-error text of each resolution, as every store must record it. */
  private static String expectedLastError(Resolution r) {
    if (r instanceof Resolution.Retry retry) {
      return retry.cause().describe();
    }
    if (r instanceof Resolution.Dead dead) {
      return dead.cause().describe();
    }
    if (r instanceof Resolution.TargetGone gone) {
      return gone.cause().describe();
    }
    if (r instanceof Resolution.Cancelled c) {
      return "vetoed by the guard: " + c.reason();
    }
    if (r instanceof Resolution.Expired) {
      return "expired before it could be sent";
    }
    if (r instanceof Resolution.Release rel) {
      return "released: " + rel.why();
    }
    return null;
  }

  private static String describe(Resolution r) {
    if (r instanceof Resolution.Retry retry) {
      return "Retry(" + retry.delay() + ")";
    }
    return r.getClass().getSimpleName();
  }

  private static List<ClaimedDelivery> claim(OutboxStore store, String owner, int limit) {
    return store.claim(new ClaimRequest(owner, LEASE, Map.of(Channel.FCM, limit))).deliveries();
  }

  private static DeliveryStatus delivery(OutboxStore store, String key) {
    NotificationStatus s = store.find(key).orElseThrow(() -> new AssertionError("no notification " + key));
    assertThat(s.deliveries()).as("deliveries of " + key).hasSize(1);
    return s.deliveries().get(0);
  }

  private static DeviceRegistry registry(OutboxStore store) {
    return store instanceof DeviceRegistry r ? r : null;
  }

  private static Notification note(String key) {
    return Notification.builder(key).recipient(Recipient.device(fcmTarget(key))).title("t").build();
  }

  private static DeviceTarget.FcmToken fcmTarget(String name) {
    return new DeviceTarget.FcmToken("device-" + name);
  }

  /** A valid subscription: the P-256 generator point as p256dh, a fixed 16-byte auth secret. */
  private static DeviceTarget.WebPushSubscription webPushTarget(String name) {
    return new DeviceTarget.WebPushSubscription("https://fcm.googleapis.com/fcm/send/" + name,
        "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU",
        "AAECAwQFBgcICQoLDA0ODw");
  }
}
