package dev.herald.internal.engine;

import dev.herald.internal.Recordable;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.EngineCounters;
import dev.herald.Outcome;
import dev.herald.Scope;
import dev.herald.store.ClaimBatch;
import dev.herald.store.ClaimRequest;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.spi.DeliveryGuard;
import dev.herald.store.OutboxStore;
import dev.herald.store.Resolution;
import dev.herald.spi.SendDeadline;
import dev.herald.spi.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery engine: claim due deliveries, guard, send, decide, record. Its parts:
 *
 * <ul>
 *   <li>the <b>poll loop</b> ({@link #pollLoop}) claims as much as the channel gates admit and
 *       hands each delivery to a dispatch thread; it survives any exception and says so in the log;
 *   <li>a <b>delivery run</b> ({@link #dispatch}) checks expiry, the channel's pause and the claim's
 *       send deadline, asks the guard and calls the transport;
 *   <li>the <b>decision</b> ({@link #completed}) turns the transport's outcome into a
 *       {@link Resolution} on the engine's own decision thread, never on the transport's I/O thread;
 *   <li>the <b>completer</b> ({@link #completerLoop}) records resolutions in batches, fenced by each
 *       claim's token, then tells the listener and frees the gate's slot; it also abandons sends
 *       whose lease ended without an outcome;
 *   <li>the {@link Waiter} that lets the poll loop sleep until its next poll or an early wake-up.
 * </ul>
 *
 * <p>No store transaction is open while a transport sends: a claim commits before the first send
 * of its batch, and outcomes are recorded in their own transactions afterwards.
 *
 * <p><b>Leases and sends.</b> A claim's lease is measured from just before the claim, on the
 * engine's clock and on the monotonic clock. A send must finish {@link #LEASE_MARGIN_DIVISOR a
 * tenth} of the lease before it ends, so that its outcome can still be recorded under it: that is
 * the claim's {@link SendDeadline}. A send that could not finish by then is not started, but put back
 * at once without counting an attempt; a gate never admits more than its transport runs at once,
 * so nothing claimed waits in a transport's queue while its lease runs out.
 */
public final class Engine {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);

  /** The deadline of a send is the lease less this fraction of it, kept for recording the outcome. */
  public static final int LEASE_MARGIN_DIVISOR = 10;
  /** How long a delivery whose outcome could not be handled waits before it is tried again. */
  static final Duration DECISION_FAILURE_DELAY = Duration.ofMinutes(1);
  private static final long WATCHDOG_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final long MAX_BACKOFF_MILLIS = 2_000;

  private final EngineConfig cfg;
  private final Map<Channel, ChannelGate> gates = new LinkedHashMap<>();
  private final Waiter waiter = new Waiter();
  private final ExecutorService dispatchPool;
  private final ExecutorService decisionPool;
  private final Executor decisions;
  private final LinkedBlockingQueue<Finished> completions = new LinkedBlockingQueue<>();
  private final Map<Long, InFlight> inFlight = new ConcurrentHashMap<>();
  private final LogThrottle logs = new LogThrottle(Duration.ofSeconds(10), 20);
  private final Duration margin;

  private final AtomicLong sendsNotStarted = new AtomicLong();
  private final AtomicLong outcomesAfterLease = new AtomicLong();
  private final AtomicLong sendsAbandoned = new AtomicLong();
  private final AtomicLong lateOutcomes = new AtomicLong();
  private final AtomicLong decisionFailures = new AtomicLong();
  private final AtomicLong unrecordable = new AtomicLong();

  private volatile boolean running;
  private volatile boolean closed;
  /** {@link System#nanoTime()} by which {@link #close()} must be done; meaningful once closed. */
  private volatile long closeDeadline;
  private Thread poller;
  private Thread completer;
  private OutboxStore.Running storeWork;

  /** One claimed delivery between claim and recorded completion. */
  private static final class InFlight {
    final ClaimedDelivery claimed;
    final Instant storeNow;
    final ChannelGate gate;
    final ScopeGate scope;
    final SendDeadline deadline;
    final Instant leaseEndAt;
    final long leaseEndNanos;
    final AtomicBoolean finished = new AtomicBoolean();
    final CompletableFuture<Void> decided = new CompletableFuture<>();
    volatile long sendStartedNanos;
    volatile boolean sendStarted;

    InFlight(ClaimedDelivery claimed, Instant storeNow, ChannelGate gate, ScopeGate scope, SendDeadline deadline,
        Instant leaseEndAt, long leaseEndNanos) {
      this.claimed = claimed;
      this.storeNow = storeNow;
      this.gate = gate;
      this.scope = scope;
      this.deadline = deadline;
      this.leaseEndAt = leaseEndAt;
      this.leaseEndNanos = leaseEndNanos;
    }

    Delivery delivery() {
      return claimed.delivery();
    }
  }

  /** A decided delivery waiting to be recorded. */
  private record Finished(InFlight run, Resolution resolution, Outcome outcome) {
    Completion completion() {
      return new Completion(run.delivery().deliveryId(), run.claimed.fencingToken(), resolution);
    }

    Finished minimal() {
      return new Finished(run, Recordable.minimal(resolution), outcome);
    }
  }

  /** The store could not be reached: these completions are not recorded yet. */
  private static final class StoreUnavailable extends Exception {
    private static final long serialVersionUID = 1L;
    final transient List<Finished> remaining;

    StoreUnavailable(List<Finished> remaining, RuntimeException cause) {
      super(cause);
      this.remaining = remaining;
    }
  }

  /** Creates an engine; nothing runs until {@link #start()} or {@link #runOnce()}. */
  public Engine(EngineConfig cfg) {
    this.cfg = cfg;
    this.margin = cfg.lease().dividedBy(LEASE_MARGIN_DIVISOR);
    for (Transport t : cfg.transports()) {
      gates.put(t.channel(), new ChannelGate(t, cfg.maxInFlightPerChannel(), cfg.maxInFlightPerScope(), cfg.channelPause(),
          cfg.maxChannelPause(), cfg));
    }
    this.dispatchPool = Executors.newFixedThreadPool(cfg.dispatchThreads(), threads("herald-dispatch-"));
    this.decisionPool = Executors.newSingleThreadExecutor(threads("herald-decide-"));
    // After close the pool refuses work; a late outcome is then handled where it arrives, which
    // only counts it (its delivery was released already).
    this.decisions = r -> {
      try {
        decisionPool.execute(r);
      } catch (RejectedExecutionException e) {
        r.run();
      }
    };
  }

  private ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + cfg.instanceId() + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Verifies the store, starts its background work, then the poll loop and the completer.
   *
   * @throws RuntimeException the store's own exception when it cannot serve (a missing schema, say);
   *     nothing is started then
   */
  public synchronized void start() {
    ensureOpen();
    if (running) {
      throw new IllegalStateException("Herald is already started");
    }
    cfg.store().verify();
    storeWork = cfg.store().start(waiter::wake);
    running = true;
    completer = new Thread(this::completerLoop, "herald-completer-" + cfg.instanceId());
    completer.setDaemon(true);
    completer.start();
    poller = new Thread(this::pollLoop, "herald-poller-" + cfg.instanceId());
    poller.setDaemon(true);
    poller.start();
  }

  /** Wakes the poll loop now (new work may be due). */
  public void wakeUp() {
    waiter.wake();
  }

  /**
   * Claims one batch, sends it, waits for every outcome (a send without one by the end of its
   * lease is abandoned as a retry) and records them, all before returning. For tests and tools;
   * not while the engine is started.
   *
   * @return the number of deliveries claimed
   */
  public int runOnce() {
    ensureOpen();
    if (running) {
      throw new IllegalStateException("runOnce() cannot be used while Herald is started; it drives an unstarted engine");
    }
    List<InFlight> runs = claimAndDispatch();
    CompletableFuture<Void> all = CompletableFuture.allOf(runs.stream().map(r -> r.decided).toArray(CompletableFuture[]::new));
    while (true) {
      try {
        all.get(50, TimeUnit.MILLISECONDS);
        break;
      } catch (TimeoutException e) {
        abandonOverdue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for outcomes", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
    List<Finished> batch = new ArrayList<>();
    completions.drainTo(batch);
    try {
      recordIsolating(batch);
    } catch (StoreUnavailable e) {
      completions.addAll(e.remaining);
      throw (RuntimeException) e.getCause();
    }
    return runs.size();
  }

  /**
   * Stops claiming, lets in-flight sends finish, puts back (releases) what did not finish so another
   * instance can take it at once, records everything and closes the transports, all within the
   * shutdown timeout (plus the few milliseconds of closing the transports). What cannot be recorded
   * by then (the store is unreachable) is left to its lease's expiry: another instance takes it
   * over then. Idempotent.
   */
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closeDeadline = System.nanoTime() + cfg.shutdownTimeout().toNanos();
      closed = true;
    }
    long deadline = closeDeadline;
    long timeout = cfg.shutdownTimeout().toNanos();
    // Closing from an interrupted thread (a shutdown hook, a cancelled task) must still wait its
    // bounded time rather than spin; the flag is restored at the end.
    boolean interrupted = Thread.interrupted();
    boolean wasRunning = running;
    running = false;
    waiter.wake();
    // A claim normally takes milliseconds; one stuck on an unreachable database gets a quarter of
    // the budget, then is interrupted (what it claims after that is put back by claimAndDispatch).
    interrupted |= joinUntil(poller, System.nanoTime() + timeout / 4);
    if (poller != null && poller.isAlive()) {
      poller.interrupt();
    }
    // Sends may finish until a fifth of the budget (at most 2 s) is left for recording.
    long reserve = Math.min(timeout / 5, TimeUnit.SECONDS.toNanos(2));
    while (undecided() > 0 && System.nanoTime() - (deadline - reserve) < 0) {
      interrupted |= sleepQuietly(10);
    }
    // Whatever is still out is put back unsent-as-far-as-we-know; a late outcome will be discarded.
    for (InFlight run : List.copyOf(inFlight.values())) {
      if (run.finished.compareAndSet(false, true)) {
        completions.add(new Finished(run, new Resolution.Release(Duration.ZERO, "released at shutdown"), null));
        run.decided.complete(null);
      }
    }
    if (wasRunning) {
      while (!inFlight.isEmpty() && completer.isAlive() && System.nanoTime() - deadline < 0) {
        interrupted |= sleepQuietly(10);
      }
      // The completer exits by itself once done or past the deadline; one stuck in a store call
      // is interrupted and left behind (a daemon thread that exits when the call returns).
      completer.interrupt();
      interrupted |= joinUntil(completer, Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50)));
    }
    if (!inFlight.isEmpty()) {
      log.error("Herald could not record {} outcomes before its shutdown timeout ({}), the store being unavailable; "
          + "their leases will expire and another instance will take them over (a repeat the display tag hides on screen)",
          inFlight.size(), cfg.shutdownTimeout());
    }
    dispatchPool.shutdownNow();
    decisionPool.shutdownNow();
    if (storeWork != null) {
      try {
        storeWork.close();
      } catch (RuntimeException e) {
        log.warn("Herald could not stop the store's background work", e);
      }
    }
    for (ChannelGate g : gates.values()) {
      try {
        g.transport().close();
      } catch (RuntimeException e) {
        log.warn("Herald could not close the {} transport", g.channel(), e);
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** True once closed. */
  public boolean closed() {
    return closed;
  }

  /** The counts of lease and recording trouble since this engine was created. */
  public EngineCounters counters() {
    return new EngineCounters(sendsNotStarted.get(), outcomesAfterLease.get(), sendsAbandoned.get(), lateOutcomes.get(),
        decisionFailures.get(), unrecordable.get());
  }

  /** The gate of a channel, for status queries. */
  public Optional<ChannelGate> gate(Channel channel) {
    return Optional.ofNullable(gates.get(channel));
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("Herald is closed; build a new instance");
    }
  }

  private long undecided() {
    return inFlight.values().stream().filter(r -> !r.finished.get()).count();
  }

  // ---------------------------------------------------------------- poll loop

  private void pollLoop() {
    Duration backoff = Duration.ofMillis(100);
    while (running) {
      try {
        int requested = admitted(cfg.clock().instant(), new HashMap<>()).values().stream().mapToInt(Integer::intValue).sum();
        int claimed = requested == 0 ? 0 : claimAndDispatch().size();
        backoff = Duration.ofMillis(100);
        // A full batch means more is probably due: claim again at once.
        if (requested == 0 || claimed < requested) {
          waiter.await(cfg.pollInterval());
        }
      } catch (InterruptedException e) {
        if (!running) {
          break;
        }
      } catch (Throwable t) {
        if (!running) {
          break;
        }
        LogThrottle.Decision d = logs.admit(LogThrottle.kindOf("poll", t));
        if (d.verdict() == LogThrottle.Verdict.FIRST) {
          log.warn("Herald poll loop failed (store unavailable?); retrying in {} ms", backoff.toMillis(), t);
        } else if (d.log()) {
          log.warn("Herald poll loop still failing ({} more times): {}", d.suppressed(), t.toString());
        }
        try {
          waiter.await(backoff);
        } catch (InterruptedException e) {
          if (!running) {
            break;
          }
        }
        backoff = backoff.multipliedBy(2);
        if (backoff.compareTo(cfg.pollInterval()) > 0) {
          backoff = cfg.pollInterval();
        }
      }
    }
  }

  /** Per channel what the next claim may take, and in {@code scopeLimits} the scopes held back below that. */
  private Map<Channel, Integer> admitted(Instant now, Map<Scope, Integer> scopeLimits) {
    Map<Channel, Integer> limits = new HashMap<>();
    for (ChannelGate g : gates.values()) {
      Map<Scope, Integer> own = new HashMap<>();
      int total = g.claimLimit(now, cfg.batchSize(), own);
      if (total > 0) {
        limits.put(g.channel(), total);
        scopeLimits.putAll(own);
      }
    }
    return limits;
  }

  private List<InFlight> claimAndDispatch() {
    Map<Scope, Integer> scopeLimits = new HashMap<>();
    Map<Channel, Integer> limits = admitted(cfg.clock().instant(), scopeLimits);
    if (limits.isEmpty()) {
      return List.of();
    }
    // Read both clocks before the claim: the store starts the lease later, so this errs early.
    Instant claimAt = cfg.clock().instant();
    long claimNanos = System.nanoTime();
    ClaimBatch batch = cfg.store().claim(new ClaimRequest(cfg.instanceId(), cfg.lease(), limits, scopeLimits));
    Duration usable = cfg.lease().minus(margin);
    SendDeadline deadline = SendDeadline.of(cfg.clock(), claimAt.plus(usable), claimNanos + usable.toNanos());
    Instant leaseEndAt = claimAt.plus(cfg.lease());
    long leaseEndNanos = claimNanos + cfg.lease().toNanos();
    List<InFlight> runs = new ArrayList<>(batch.deliveries().size());
    List<Completion> putBack = new ArrayList<>();
    Map<ScopeGate, Integer> counts = new LinkedHashMap<>();
    for (ClaimedDelivery cd : batch.deliveries()) {
      ChannelGate gate = gates.get(cd.delivery().channel());
      if (gate == null || closed) {
        // A channel we did not ask for goes back for an instance that has it; anything claimed
        // while closing goes back at once.
        putBack.add(new Completion(cd.delivery().deliveryId(), cd.fencingToken(), gate == null
            ? new Resolution.Release(Duration.ofMinutes(1), "no transport for channel " + cd.delivery().channel())
            : new Resolution.Release(Duration.ZERO, "released at shutdown")));
        continue;
      }
      ClaimedDelivery scoped = scoped(cd, gate);
      ScopeGate scope = gate.scope(scoped.delivery().scope(), claimAt);
      counts.merge(scope, 1, Integer::sum);
      runs.add(new InFlight(scoped, batch.storeNow(), gate, scope, deadline, leaseEndAt, leaseEndNanos));
    }
    counts.forEach((scope, n) -> gates.get(scope.scope().channel()).acquired(scope, n, claimAt));
    for (InFlight run : runs) {
      inFlight.put(run.delivery().deliveryId(), run);
    }
    for (InFlight run : runs) {
      try {
        dispatchPool.execute(() -> dispatch(run));
      } catch (RejectedExecutionException e) {
        finish(run, new Resolution.Release(Duration.ZERO, "released at shutdown"), null);
      }
    }
    if (!putBack.isEmpty()) {
      try {
        cfg.store().complete(putBack);
      } catch (RuntimeException e) {
        // Not dispatched and not held: their leases expire and they are claimed again then.
        throttled("put back", e, "Herald could not put back {} deliveries it will not send; their leases will expire",
            putBack.size());
      }
    }
    return runs;
  }

  /**
   * The delivery in the scope it is held in: the one the store recorded, or, when the store gave it
   * its channel's one scope (a store without scopes, a row from before scopes were recorded), the one
   * its transport names now.
   */
  private ClaimedDelivery scoped(ClaimedDelivery cd, ChannelGate gate) {
    Delivery d = cd.delivery();
    if (!d.scope().wholeChannel()) {
      return cd;
    }
    Scope s;
    try {
      s = gate.transport().scope(d.target());
    } catch (RuntimeException e) {
      s = null;
    }
    if (s == null || s.wholeChannel() || !s.channel().equals(d.channel())) {
      return cd;
    }
    return new ClaimedDelivery(d.withScope(s), cd.fencingToken(), cd.enqueuedAt());
  }

  // ---------------------------------------------------------------- one delivery

  private void dispatch(InFlight run) {
    if (run.finished.get()) {
      return; // abandoned or released while it waited for a thread
    }
    Delivery d = run.delivery();
    try {
      cfg.listener().claimed(d);
      Instant storeNow = run.storeNow;
      if (d.expiresAt() != null && !storeNow.isBefore(d.expiresAt())) {
        finish(run, new Resolution.Expired(), null);
        return;
      }
      Instant now = cfg.clock().instant();
      if (run.scope.blocked(now)) {
        finish(run, new Resolution.Release(run.scope.remainingPause(now), pausedWhat(d.scope()) + " paused"), null);
        return;
      }
      Transport transport = run.gate.transport();
      String late = run.deadline.refusal(transport.sendTimeout());
      if (late != null) {
        notStarted(run, late);
        return;
      }
      Delivery toSend = clipTtl(d, storeNow);
      DeliveryGuard.Verdict verdict;
      try {
        verdict = cfg.guard().check(toSend);
      } catch (RuntimeException e) {
        log.warn("Herald delivery guard threw for {}; will retry", d, e);
        decide(run, new Outcome.Retry(null, null, "guard failed: " + e), Duration.ZERO);
        return;
      }
      if (verdict instanceof DeliveryGuard.Verdict.Veto veto) {
        finish(run, new Resolution.Cancelled(Recordable.text(veto.reason())), null);
        return;
      }
      // The guard may have taken a while.
      late = run.deadline.refusal(transport.sendTimeout());
      if (late != null) {
        notStarted(run, late);
        return;
      }
      long started = System.nanoTime();
      run.sendStartedNanos = started;
      run.sendStarted = true;
      CompletionStage<Outcome> stage;
      try {
        stage = transport.send(toSend, run.deadline);
        if (stage == null) {
          throw new IllegalStateException("transport returned null");
        }
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      stage.whenCompleteAsync((o, ex) -> completed(run, toSend, o, ex, started), decisions);
    } catch (RuntimeException | LinkageError e) {
      log.error("Herald failed to dispatch {}; will retry", d, e);
      try {
        decide(run, new Outcome.Retry(null, null, "dispatch failed: " + e), Duration.ZERO);
      } catch (RuntimeException | LinkageError again) {
        decisionFailed(run, again);
      }
    }
  }

  private static Delivery clipTtl(Delivery d, Instant storeNow) {
    if (d.expiresAt() == null) {
      return d;
    }
    Duration left = Duration.between(storeNow, d.expiresAt()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    DeliveryOptions o = d.options();
    if (o.timeToLive().compareTo(left) > 0) {
      return d.withOptions(o.withTimeToLive(left.isNegative() ? Duration.ZERO : left));
    }
    return d;
  }

  /**
   * Handles a transport's outcome on the decision thread. Nothing thrown here may vanish: it is
   * logged, and the delivery is put back with its slot freed.
   */
  private void completed(InFlight run, Delivery sent, Outcome o, Throwable ex, long started) {
    try {
      Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
      Outcome outcome = o;
      if (ex != null || o == null) {
        Throwable cause = ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex;
        outcome = new Outcome.Retry(null, null, "transport failed: " + (cause == null ? "null outcome" : cause.toString()));
      }
      outcome = Recordable.outcome(outcome);
      if (run.finished.get()) {
        finish(run, null, outcome); // counts it as late
        return;
      }
      if (outcome instanceof Outcome.NotSent notSent) {
        notStarted(run, notSent.reason());
        return;
      }
      Duration overdue = overdue(run);
      if (overdue != null) {
        outcomesAfterLease.incrementAndGet();
        throttled("after lease", null, "Herald got the outcome of {} {} ms after its claim's lease ended; another instance "
            + "may have sent it again (the collapse key hides the repeat)", sent, overdue.toMillis());
        cfg.listener().outcomeAfterLeaseExpiry(sent, outcome, overdue);
      }
      cfg.listener().sendCompleted(sent, outcome, elapsed);
      decide(run, outcome, elapsed);
    } catch (RuntimeException | LinkageError e) {
      decisionFailed(run, e);
    }
  }

  private void decisionFailed(InFlight run, Throwable e) {
    decisionFailures.incrementAndGet();
    LogThrottle.Decision d = logs.admit(LogThrottle.kindOf("decision", e));
    if (d.verdict() == LogThrottle.Verdict.FIRST) {
      log.error("Herald could not handle the outcome of {}; putting it back for {}", run.delivery(), DECISION_FAILURE_DELAY, e);
    } else if (d.log()) {
      log.error("Herald could not handle outcomes ({} more times): {}", d.suppressed(), e.toString());
    }
    finish(run, new Resolution.Release(DECISION_FAILURE_DELAY, Recordable.text("outcome handling failed: " + e)), null);
  }

  private void notStarted(InFlight run, String reason) {
    sendsNotStarted.incrementAndGet();
    throttled("not started", null, "Herald did not start the send of {}: {}; put back", run.delivery(), reason);
    cfg.listener().sendNotStarted(run.delivery(), reason);
    finish(run, new Resolution.Release(Duration.ZERO, Recordable.text("not started: " + reason)), null);
  }

  /** How long after the claim's lease ended it is now, or null while it lasts. */
  private Duration overdue(InFlight run) {
    long byNanos = System.nanoTime() - run.leaseEndNanos;
    Duration byClock = Duration.between(run.leaseEndAt, cfg.clock().instant());
    Duration late = byClock.compareTo(Duration.ofNanos(byNanos)) >= 0 ? byClock : Duration.ofNanos(byNanos);
    return late.isNegative() ? null : late;
  }

  /** Turns an outcome into what the store records. */
  private void decide(InFlight run, Outcome outcome, Duration elapsed) {
    Delivery d = run.delivery();
    Instant now = cfg.clock().instant();
    Resolution r;
    TargetGoneValve valve = run.scope.valve();
    boolean holdBack = !(outcome instanceof Outcome.ChannelUnavailable) && valve != null
        && valve.record(now, outcome instanceof Outcome.TargetGone);
    if (outcome instanceof Outcome.ChannelUnavailable cu) {
      pause(run, cu, cu.retryAfter(), now);
      r = new Resolution.Release(run.scope.remainingPause(now), "channel unavailable: " + cu.reason());
    } else if (holdBack) {
      // Too many "gone" at once means the sender is wrong, not the devices: keep both.
      log.warn("Herald target-gone safety valve tripped on {}: not invalidating devices", pausedWhat(d.scope()));
      pause(run, outcome, null, now);
      r = new Resolution.Release(run.scope.remainingPause(now), "target-gone safety valve: too many devices reported gone on "
          + pausedWhat(d.scope()) + "; check the sender's credentials");
    } else {
      if (run.scope.onWorking(now)) {
        log.info("Herald resumed {}", pausedWhat(d.scope()));
        cfg.listener().scopeResumed(d.scope());
      }
      if (outcome instanceof Outcome.Delivered del) {
        r = new Resolution.Delivered(del.providerId());
      } else if (outcome instanceof Outcome.Retry retry) {
        Duration age = Duration.between(run.claimed.enqueuedAt(), run.storeNow).plus(elapsed);
        if (age.isNegative()) {
          age = Duration.ZERO;
        }
        Optional<Duration> next = cfg.retryPolicy().nextDelay(d.attempt(), age, retry.retryAfter());
        r = next.<Resolution>map(delay -> new Resolution.Retry(Recordable.delay(delay), retry))
            .orElseGet(() -> new Resolution.Dead(retry));
      } else if (outcome instanceof Outcome.Rejected rej) {
        r = new Resolution.Dead(rej);
      } else if (outcome instanceof Outcome.TargetGone gone) {
        r = new Resolution.TargetGone(gone, true);
      } else {
        throw new IllegalStateException("unknown outcome " + outcome);
      }
    }
    finish(run, r, outcome);
  }

  private void pause(InFlight run, Outcome cause, Duration retryAfter, Instant now) {
    Scope s = run.delivery().scope();
    Duration paused = run.scope.onUnavailable(now, retryAfter, cause);
    if (paused != null) {
      log.warn("Herald paused {} for {}: {}", pausedWhat(s), paused, cause.describe());
      cfg.listener().scopePaused(s, cause, paused);
    }
  }

  /** {@code channel fcm} for a channel's one scope, else {@code scope fcm[staff/ios]}. */
  private static String pausedWhat(Scope s) {
    return s.wholeChannel() ? "channel " + s.channel() : "scope " + s;
  }

  /**
   * Hands a decided delivery to the completer, once per claim; a second decision (a late outcome,
   * or {@code r == null}) is only counted.
   */
  private void finish(InFlight run, Resolution r, Outcome outcome) {
    if (r == null || !run.finished.compareAndSet(false, true)) {
      lateOutcomes.incrementAndGet();
      log.debug("Herald discarded a late outcome for {} (already finished)", run.delivery());
      return;
    }
    completions.add(new Finished(run, r, outcome));
    run.decided.complete(null);
  }

  /**
   * Gives up on sends whose lease ended (a margin ago) without an outcome (a transport that never answers):
   * started ones are recorded as a retry (the push service may have taken them), unstarted ones are
   * put back. Either way the slot is freed; the delivery was claimable again anyway.
   */
  private void abandonOverdue() {
    for (InFlight run : inFlight.values()) {
      // A margin past the lease's end: the delivery is claimable again from its end anyway, and an
      // outcome arriving just after it should still be the one recorded.
      Duration overdue = run.finished.get() ? null : overdue(run);
      if (overdue == null || overdue.compareTo(margin) < 0) {
        continue;
      }
      try {
        if (run.sendStarted) {
          sendsAbandoned.incrementAndGet();
          throttled("abandoned", null, "Herald got no outcome for {} before its claim's lease ended; recording a retry",
              run.delivery());
          decide(run, new Outcome.Retry(null, null, "no outcome from the transport before the claim's lease ended"),
              Duration.ofNanos(System.nanoTime() - run.sendStartedNanos));
        } else {
          notStarted(run, "the claim's lease ended before the send could start");
        }
      } catch (RuntimeException | LinkageError e) {
        decisionFailed(run, e);
      }
    }
  }

  // ---------------------------------------------------------------- completer

  private void completerLoop() {
    Deque<Finished> backlog = new ArrayDeque<>();
    long backoff = 0;
    long nextWatchdog = System.nanoTime();
    while (true) {
      // Only close() interrupts this thread; once closed, an interrupt or the deadline ends it and
      // what is left stays in flight for its leases to expire. A stray interrupt before that must not
      // stop recording (every slot would stay held).
      boolean interrupted = Thread.interrupted();
      if (closed && (interrupted || System.nanoTime() - closeDeadline >= 0)) {
        return;
      }
      if (System.nanoTime() - nextWatchdog >= 0) {
        abandonOverdue();
        nextWatchdog = System.nanoTime() + WATCHDOG_INTERVAL_NANOS;
      }
      List<Finished> batch = new ArrayList<>();
      while (!backlog.isEmpty() && batch.size() < cfg.completionBatchSize()) {
        batch.add(backlog.poll());
      }
      if (batch.isEmpty()) {
        Finished first;
        try {
          first = completions.poll(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          if (closed) {
            return;
          }
          continue;
        }
        if (first == null) {
          if (!running && inFlight.isEmpty()) {
            return;
          }
          continue;
        }
        batch.add(first);
      }
      completions.drainTo(batch, cfg.completionBatchSize() - batch.size());
      try {
        recordIsolating(batch);
        backoff = 0;
      } catch (StoreUnavailable e) {
        // Keep them, in order: an outcome is never dropped because the store was briefly unavailable.
        List<Finished> rest = e.remaining;
        for (int i = rest.size() - 1; i >= 0; i--) {
          backlog.addFirst(rest.get(i));
        }
        backoff = backoff == 0 ? 100 : Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
        throttled("record", e.getCause(), "Herald could not record {} outcomes (store unavailable?); keeping them, "
            + "retrying in {} ms", backlog.size(), backoff);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          if (closed) {
            return;
          }
        }
      }
    }
  }

  /**
   * Records a batch. When the store refuses it but still answers (a probe that matches no delivery
   * goes through), the refusal is about content: the batch is split until the refused completions
   * are alone, each of those is tried once more in its minimal form, and one refused even so is
   * left to its lease's expiry, so that it never blocks the others.
   *
   * @throws StoreUnavailable with what is not recorded yet when the store does not answer
   */
  private void recordIsolating(List<Finished> batch) throws StoreUnavailable {
    Deque<List<Finished>> work = new ArrayDeque<>();
    if (!batch.isEmpty()) {
      work.push(batch);
    }
    while (!work.isEmpty()) {
      List<Finished> part = work.pop();
      try {
        apply(part);
        continue;
      } catch (RuntimeException e) {
        if (!storeAnswers()) {
          throw new StoreUnavailable(remaining(part, work), e);
        }
        if (part.size() > 1) {
          int half = part.size() / 2;
          work.push(part.subList(half, part.size()));
          work.push(part.subList(0, half));
          continue;
        }
        Finished f = part.get(0);
        try {
          apply(List.of(f.minimal()));
          throttled("minimal", e, "Herald recorded the outcome of {} without its details: the store refused them",
              f.run.delivery());
        } catch (RuntimeException again) {
          if (!storeAnswers()) {
            throw new StoreUnavailable(remaining(part, work), again);
          }
          leaveToLeaseExpiry(f, again);
        }
      }
    }
  }

  private static List<Finished> remaining(List<Finished> part, Deque<List<Finished>> work) {
    List<Finished> rest = new ArrayList<>(part);
    work.forEach(rest::addAll);
    return rest;
  }

  private boolean storeAnswers() {
    try {
      cfg.store().complete(List.of(Recordable.PROBE));
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void leaveToLeaseExpiry(Finished f, RuntimeException e) {
    unrecordable.incrementAndGet();
    throttled("unrecordable", e, "Herald could not record the outcome of {} even without its details while the store "
        + "records others; leaving it to its lease's expiry", f.run.delivery());
    Delivery d = f.run.delivery();
    inFlight.remove(d.deliveryId(), f.run);
    f.run.gate.released(f.run.scope, cfg.clock().instant());
    waiter.wake();
  }

  /** Records one batch as it is; throws whatever the store throws. */
  private void apply(List<Finished> batch) {
    if (batch.isEmpty()) {
      return;
    }
    List<Completion> list = new ArrayList<>(batch.size());
    for (Finished f : batch) {
      list.add(f.completion());
    }
    List<Completion> stale = cfg.store().complete(list);
    Set<Long> staleIds = new HashSet<>();
    for (Completion c : stale) {
      staleIds.add(c.deliveryId());
    }
    for (Finished f : batch) {
      Delivery d = f.run.delivery();
      inFlight.remove(d.deliveryId(), f.run);
      f.run.gate.released(f.run.scope, cfg.clock().instant());
      if (staleIds.contains(d.deliveryId())) {
        log.info("Herald discarded a stale completion for {}: its lease had been taken over", d);
        cfg.listener().staleCompletionDiscarded(d, f.outcome);
      } else {
        tell(d, f.resolution, f.outcome);
      }
    }
    waiter.wake();
  }

  private void tell(Delivery d, Resolution r, Outcome outcome) {
    if (r instanceof Resolution.Delivered) {
      cfg.listener().delivered(d, (Outcome.Delivered) outcome);
    } else if (r instanceof Resolution.Retry retry) {
      cfg.listener().retryScheduled(d, retry.cause(), retry.delay());
    } else if (r instanceof Resolution.Dead dead) {
      cfg.listener().dead(d, dead.cause());
    } else if (r instanceof Resolution.Cancelled c) {
      cfg.listener().cancelled(d, c.reason());
    } else if (r instanceof Resolution.Expired) {
      cfg.listener().expired(d);
    } else if (r instanceof Resolution.TargetGone gone) {
      if (gone.invalidateDevice()) {
        cfg.listener().targetInvalidated(d, gone.cause());
      }
    } else if (r instanceof Resolution.Release rel) {
      cfg.listener().released(d, rel.why());
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Logs at most once per kind and interval (the first with its stack trace), counting the rest. */
  private void throttled(String kind, Throwable t, String message, Object... args) {
    LogThrottle.Decision d = logs.admit(LogThrottle.kindOf(kind, t));
    if (!d.log()) {
      return;
    }
    if (d.verdict() == LogThrottle.Verdict.FIRST) {
      Object[] withCause = java.util.Arrays.copyOf(args, args.length + 1);
      withCause[args.length] = t;
      log.warn(message, t == null ? args : withCause);
    } else {
      log.warn(message + " ({} more like this since the last report{})", append(args, d.suppressed(),
          t == null ? "" : ": " + t));
    }
  }

  private static Object[] append(Object[] args, Object... more) {
    Object[] all = java.util.Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return all;
  }

  /** Joins until the deadline at most; returns true when interrupted (the flag is then cleared). */
  private static boolean joinUntil(Thread t, long deadlineNanos) {
    if (t == null) {
      return false;
    }
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0) {
      return false;
    }
    try {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      return false;
    } catch (InterruptedException e) {
      return true;
    }
  }

  /** Sleeps; returns true when interrupted (the flag is then cleared). */
  private static boolean sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
      return false;
    } catch (InterruptedException e) {
      return true;
    }
  }
}
