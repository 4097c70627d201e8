package dev.herald.internal;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.Outcome;
import dev.herald.spi.ClaimBatch;
import dev.herald.spi.ClaimRequest;
import dev.herald.spi.ClaimedDelivery;
import dev.herald.spi.Completion;
import dev.herald.spi.DeliveryGuard;
import dev.herald.spi.OutboxStore;
import dev.herald.spi.Resolution;
import dev.herald.spi.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery engine: claim due deliveries, guard, send, decide, record. Its parts:
 *
 * <ul>
 *   <li>the <b>poll loop</b> ({@link #pollLoop}) claims as much as the channel gates admit and
 *       hands each delivery to a dispatch thread; it survives any exception and says so in the log;
 *   <li>a <b>delivery run</b> ({@link #dispatch}) checks expiry and the channel's pause, asks the
 *       guard, calls the transport and turns its outcome into a {@link Resolution};
 *   <li>the <b>completer</b> ({@link #completerLoop}) records resolutions in batches, fenced by each
 *       claim's token, then tells the listener and frees the gate's slot;
 *   <li>the {@link Waiter} that lets the poll loop sleep until its next poll or an early wake-up.
 * </ul>
 *
 * <p>No store transaction is open while a transport sends: a claim commits before the first send
 * of its batch, and outcomes are recorded in their own transactions afterwards.
 */
public final class Engine {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);

  private final EngineConfig cfg;
  private final Map<Channel, ChannelGate> gates = new LinkedHashMap<>();
  private final Map<Channel, TargetGoneValve> valves = new HashMap<>();
  private final Waiter waiter = new Waiter();
  private final ExecutorService dispatchPool;
  private final LinkedBlockingQueue<Finished> completions = new LinkedBlockingQueue<>();
  private final Map<Long, InFlight> inFlight = new ConcurrentHashMap<>();
  private final AtomicInteger lateOutcomes = new AtomicInteger();

  private volatile boolean running;
  private volatile boolean closed;
  private Thread poller;
  private Thread completer;
  private OutboxStore.Running storeWork;

  /** One claimed delivery between claim and recorded completion. */
  private static final class InFlight {
    final ClaimedDelivery claimed;
    final Instant storeNow;
    final ChannelGate gate;
    final AtomicBoolean finished = new AtomicBoolean();
    final CompletableFuture<Void> decided = new CompletableFuture<>();
    final CompletableFuture<Void> recorded = new CompletableFuture<>();

    InFlight(ClaimedDelivery claimed, Instant storeNow, ChannelGate gate) {
      this.claimed = claimed;
      this.storeNow = storeNow;
      this.gate = gate;
    }

    Delivery delivery() {
      return claimed.delivery();
    }
  }

  /** A decided delivery waiting to be recorded. */
  private record Finished(InFlight run, Resolution resolution, Outcome outcome) {}

  /** Creates an engine; nothing runs until {@link #start()} or {@link #runOnce()}. */
  public Engine(EngineConfig cfg) {
    this.cfg = cfg;
    for (Transport t : cfg.transports()) {
      gates.put(t.channel(), new ChannelGate(t, cfg.maxInFlightPerChannel(), cfg.channelPause(), cfg.maxChannelPause()));
      if (cfg.valveEnabled()) {
        valves.put(t.channel(), new TargetGoneValve(cfg.valveShare(), cfg.valveMinSamples(), cfg.valveWindow()));
      }
    }
    AtomicInteger n = new AtomicInteger();
    ThreadFactory tf = r -> {
      Thread t = new Thread(r, "herald-dispatch-" + cfg.instanceId() + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    this.dispatchPool = java.util.concurrent.Executors.newFixedThreadPool(cfg.dispatchThreads(), tf);
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

  /** True once started and not yet closed. */
  public boolean running() {
    return running;
  }

  /**
   * Claims one batch, sends it, waits for every outcome and records them, all before returning.
   * For tests and tools; not while the engine is started.
   *
   * @return the number of deliveries claimed
   */
  public int runOnce() {
    ensureOpen();
    if (running) {
      throw new IllegalStateException("runOnce() cannot be used while Herald is started; it drives an unstarted engine");
    }
    List<InFlight> runs = claimAndDispatch();
    CompletableFuture.allOf(runs.stream().map(r -> r.decided).toArray(CompletableFuture[]::new)).join();
    List<Finished> batch = new ArrayList<>();
    completions.drainTo(batch);
    record(batch);
    return runs.size();
  }

  /**
   * Stops claiming, lets in-flight sends finish within the shutdown timeout, puts back (releases)
   * what did not finish so another instance can take it at once, records everything and closes the
   * transports. Idempotent.
   */
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    boolean wasRunning = running;
    running = false;
    waiter.wake();
    joinQuietly(poller);
    long deadline = System.nanoTime() + cfg.shutdownTimeout().toNanos();
    while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
      sleepQuietly(10);
    }
    // Whatever is still out is put back unsent-as-far-as-we-know; a late outcome will be discarded.
    for (InFlight run : List.copyOf(inFlight.values())) {
      finish(run, new Resolution.Release(Duration.ZERO, "released at shutdown"), null);
    }
    if (wasRunning) {
      long flushDeadline = System.nanoTime() + cfg.shutdownTimeout().toNanos();
      while (!inFlight.isEmpty() && System.nanoTime() < flushDeadline) {
        sleepQuietly(10);
      }
      completer.interrupt();
      joinQuietly(completer);
    }
    List<Finished> rest = new ArrayList<>();
    completions.drainTo(rest);
    if (!rest.isEmpty()) {
      try {
        record(rest);
      } catch (RuntimeException e) {
        log.error("Herald could not record {} outcomes at shutdown; their leases will expire and another instance "
            + "will send them again (the display tag hides the repeat on screen)", rest.size(), e);
      }
    }
    dispatchPool.shutdown();
    try {
      dispatchPool.awaitTermination(cfg.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
  }

  /** True once closed. */
  public boolean closed() {
    return closed;
  }

  /** Outcomes that arrived after their delivery had already been finished (released at shutdown). */
  public int lateOutcomes() {
    return lateOutcomes.get();
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

  // ---------------------------------------------------------------- poll loop

  private void pollLoop() {
    Duration backoff = Duration.ofMillis(100);
    while (running) {
      try {
        int requested = admitted(cfg.clock().instant()).values().stream().mapToInt(Integer::intValue).sum();
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
        log.warn("Herald poll loop failed (store unavailable?); retrying in {} ms", backoff.toMillis(), t);
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

  private Map<Channel, Integer> admitted(Instant now) {
    Map<Channel, Integer> limits = new HashMap<>();
    for (ChannelGate g : gates.values()) {
      int free = Math.min(cfg.batchSize(), g.freeSlots(now));
      if (free > 0) {
        limits.put(g.channel(), free);
      }
    }
    return limits;
  }

  private List<InFlight> claimAndDispatch() {
    Map<Channel, Integer> limits = admitted(cfg.clock().instant());
    if (limits.isEmpty()) {
      return List.of();
    }
    ClaimBatch batch = cfg.store().claim(new ClaimRequest(cfg.instanceId(), cfg.lease(), limits));
    List<InFlight> runs = new ArrayList<>(batch.deliveries().size());
    Map<Channel, Integer> counts = new HashMap<>();
    for (ClaimedDelivery cd : batch.deliveries()) {
      ChannelGate gate = gates.get(cd.delivery().channel());
      if (gate == null) {
        // The store returned a channel we did not ask for; put it back for an instance that has it.
        cfg.store().complete(List.of(new Completion(cd.delivery().deliveryId(), cd.fencingToken(),
            new Resolution.Release(Duration.ofMinutes(1), "no transport for channel " + cd.delivery().channel()))));
        continue;
      }
      counts.merge(gate.channel(), 1, Integer::sum);
      InFlight run = new InFlight(cd, batch.storeNow(), gate);
      runs.add(run);
    }
    counts.forEach((c, n) -> gates.get(c).acquired(n));
    for (InFlight run : runs) {
      inFlight.put(run.delivery().deliveryId(), run);
      dispatchPool.execute(() -> dispatch(run));
    }
    return runs;
  }

  // ---------------------------------------------------------------- one delivery

  private void dispatch(InFlight run) {
    Delivery d = run.delivery();
    try {
      cfg.listener().claimed(d);
      Instant storeNow = run.storeNow;
      if (d.expiresAt() != null && !storeNow.isBefore(d.expiresAt())) {
        finish(run, new Resolution.Expired(), null);
        return;
      }
      Instant now = cfg.clock().instant();
      if (run.gate.blocked(now)) {
        finish(run, new Resolution.Release(run.gate.remainingPause(now), "channel " + d.channel() + " paused"), null);
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
        finish(run, new Resolution.Cancelled(veto.reason()), null);
        return;
      }
      long started = System.nanoTime();
      CompletionStage<Outcome> stage;
      try {
        stage = run.gate.transport().send(toSend);
        if (stage == null) {
          throw new IllegalStateException("transport returned null");
        }
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      stage.whenComplete((o, ex) -> {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        Outcome outcome = o;
        if (ex != null || o == null) {
          Throwable cause = ex instanceof java.util.concurrent.CompletionException && ex.getCause() != null ? ex.getCause() : ex;
          outcome = new Outcome.Retry(null, null, "transport failed: " + (cause == null ? "null outcome" : cause.toString()));
        }
        cfg.listener().sendCompleted(toSend, outcome, elapsed);
        decide(run, outcome, elapsed);
      });
    } catch (RuntimeException e) {
      log.error("Herald failed to dispatch {}; will retry", d, e);
      decide(run, new Outcome.Retry(null, null, "dispatch failed: " + e), Duration.ZERO);
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

  /** Turns an outcome into what the store records. */
  private void decide(InFlight run, Outcome outcome, Duration elapsed) {
    Delivery d = run.delivery();
    Instant now = cfg.clock().instant();
    Resolution r;
    TargetGoneValve valve = valves.get(d.channel());
    boolean holdBack = !(outcome instanceof Outcome.ChannelUnavailable) && valve != null
        && valve.record(now, outcome instanceof Outcome.TargetGone);
    if (outcome instanceof Outcome.ChannelUnavailable cu) {
      pause(run, cu, cu.retryAfter(), now);
      r = new Resolution.Release(run.gate.remainingPause(now), "channel unavailable: " + cu.reason());
    } else if (holdBack) {
      // Too many "gone" at once means the sender is wrong, not the devices: keep both.
      log.warn("Herald target-gone safety valve tripped on channel {}: not invalidating devices", d.channel());
      pause(run, outcome, null, now);
      r = new Resolution.Release(run.gate.remainingPause(now),
          "target-gone safety valve: too many devices reported gone on " + d.channel() + "; check the sender's credentials");
    } else {
      if (run.gate.onWorking(now)) {
        log.info("Herald resumed channel {}", d.channel());
        cfg.listener().channelResumed(d.channel());
      }
      if (outcome instanceof Outcome.Delivered del) {
        r = new Resolution.Delivered(del.providerId());
      } else if (outcome instanceof Outcome.Retry retry) {
        Duration age = Duration.between(run.claimed.enqueuedAt(), run.storeNow).plus(elapsed);
        if (age.isNegative()) {
          age = Duration.ZERO;
        }
        Optional<Duration> next = cfg.retryPolicy().nextDelay(d.attempt(), age, retry.retryAfter());
        r = next.<Resolution>map(delay -> new Resolution.Retry(delay, retry)).orElseGet(() -> new Resolution.Dead(retry));
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
    Channel c = run.delivery().channel();
    Duration paused = run.gate.onUnavailable(now, retryAfter);
    if (paused != null) {
      log.warn("Herald paused channel {} for {}: {}", c, paused, cause.describe());
      cfg.listener().channelPaused(c, cause, paused);
    }
  }

  /** Hands a decided delivery to the completer, once per claim. */
  private void finish(InFlight run, Resolution r, Outcome outcome) {
    if (!run.finished.compareAndSet(false, true)) {
      lateOutcomes.incrementAndGet();
      log.debug("Herald discarded a late outcome for {} (already released)", run.delivery());
      return;
    }
    completions.add(new Finished(run, r, outcome));
    run.decided.complete(null);
  }

  // ---------------------------------------------------------------- completer

  private void completerLoop() {
    List<Finished> batch = new ArrayList<>();
    while (true) {
      try {
        if (batch.isEmpty()) {
          Finished first = completions.poll(100, TimeUnit.MILLISECONDS);
          if (first == null) {
            if (!running && inFlight.isEmpty()) {
              return;
            }
            continue;
          }
          batch.add(first);
          completions.drainTo(batch, cfg.completionBatchSize() - 1);
        }
        record(batch);
        batch.clear();
      } catch (InterruptedException e) {
        if (batch.isEmpty() && completions.isEmpty()) {
          return;
        }
      } catch (RuntimeException e) {
        // Keep the batch: an outcome is never dropped because the store was briefly unavailable.
        log.warn("Herald could not record {} outcomes (store unavailable?); retrying", batch.size(), e);
        sleepQuietly(250);
      }
    }
  }

  private void record(List<Finished> batch) {
    if (batch.isEmpty()) {
      return;
    }
    List<Completion> list = new ArrayList<>(batch.size());
    for (Finished f : batch) {
      list.add(new Completion(f.run.delivery().deliveryId(), f.run.claimed.fencingToken(), f.resolution));
    }
    List<Completion> stale = cfg.store().complete(list);
    java.util.Set<Long> staleIds = new java.util.HashSet<>();
    for (Completion c : stale) {
      staleIds.add(c.deliveryId());
    }
    for (Finished f : batch) {
      Delivery d = f.run.delivery();
      inFlight.remove(d.deliveryId(), f.run);
      f.run.gate.released();
      if (staleIds.contains(d.deliveryId())) {
        log.info("Herald discarded a stale completion for {}: its lease had been taken over", d);
        cfg.listener().staleCompletionDiscarded(d, f.outcome);
      } else {
        tell(d, f.resolution, f.outcome);
      }
      f.run.recorded.complete(null);
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

  private static void joinQuietly(Thread t) {
    if (t == null) {
      return;
    }
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
