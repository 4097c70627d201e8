package dev.herald.internal.engine;

import dev.herald.Channel;
import dev.herald.Scope;
import dev.herald.spi.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One channel's admission control: how many of its deliveries this instance holds (claimed and not
 * yet recorded), bounded so that nothing claimed waits in the transport's queue while its lease runs
 * out, and one {@link ScopeGate} per scope seen, which bounds the scope's share of the channel and
 * pauses it when the sender fails there.
 *
 * <p>What a claim may take of the channel: at most its free slots and the batch size, and at most a
 * scope's bound, so that a scope never seen before (held: none) cannot exceed its bound either. Each
 * known scope with fewer free slots than that is listed with its own limit (0 while paused), so the
 * store skips it and fills the claim from the channel's other scopes.
 */
public final class ChannelGate {
  /** A scope unused this long (nothing held, not paused) is forgotten; it is recreated when seen again. */
  static final Duration IDLE_SCOPE = Duration.ofMinutes(10);

  private final Channel channel;
  private final Transport transport;
  private final int maxInFlight;
  private final int scopeCapacity;
  private final Duration initialPause;
  private final Duration maxPause;
  private final EngineConfig valveConfig;
  private final Map<Scope, ScopeGate> scopes = new HashMap<>();

  private int held;
  private Instant nextSweep = Instant.MIN;

  /**
   * A gate for one transport, admitting at most {@code maxInFlight} deliveries and never more than
   * the transport runs at once ({@link Transport#maxConcurrentSends()}): what is claimed beyond that
   * would wait in the transport's queue while its lease runs out. A named scope holds at most
   * {@code maxInFlightPerScope} of them (0: three quarters of the channel's bound, rounded up); the
   * channel's one scope (a transport without scopes) the whole bound.
   *
   * @param valveConfig the engine's settings, for each scope's safety valve; null for no valve
   */
  public ChannelGate(Transport transport, int maxInFlight, int maxInFlightPerScope, Duration initialPause,
      Duration maxPause, EngineConfig valveConfig) {
    this.channel = transport.channel();
    this.transport = transport;
    this.maxInFlight = Math.min(maxInFlight, Math.max(1, transport.maxConcurrentSends()));
    this.scopeCapacity = maxInFlightPerScope > 0 ? Math.min(maxInFlightPerScope, this.maxInFlight)
        : Math.max(1, (this.maxInFlight * 3 + 3) / 4);
    this.initialPause = initialPause;
    this.maxPause = maxPause;
    this.valveConfig = valveConfig != null && valveConfig.valveEnabled() ? valveConfig : null;
  }

  /** The channel. */
  public Channel channel() {
    return channel;
  }

  /** The transport. */
  public Transport transport() {
    return transport;
  }

  /** The most deliveries this gate admits at once. */
  public int capacity() {
    return maxInFlight;
  }

  /** The most deliveries one named scope holds at once. */
  public int scopeCapacity() {
    return scopeCapacity;
  }

  /**
   * How many deliveries of this channel the next claim may take (0: none), filling {@code scopeLimits}
   * with every known scope that may take fewer than that.
   */
  public synchronized int claimLimit(Instant now, int batchSize, Map<Scope, Integer> scopeLimits) {
    sweep(now);
    int total = Math.min(Math.min(batchSize, maxInFlight - held), scopeCapacity);
    if (total <= 0) {
      return 0;
    }
    for (ScopeGate s : scopes.values()) {
      int free = s.freeSlots(now);
      if (free < total) {
        scopeLimits.put(s.scope(), free);
      }
    }
    return total;
  }

  /** The gate of a scope of this channel, created when first seen. */
  public synchronized ScopeGate scope(Scope scope, Instant now) {
    return scopes.computeIfAbsent(scope, s -> new ScopeGate(s, s.wholeChannel() ? maxInFlight : scopeCapacity,
        initialPause, maxPause, valveConfig == null ? null
            : new TargetGoneValve(valveConfig.valveShare(), valveConfig.valveMinSamples(), valveConfig.valveWindow()),
        now));
  }

  /** Counts claimed deliveries of a scope. */
  public synchronized void acquired(ScopeGate scope, int n, Instant now) {
    held += n;
    scope.acquired(n, now);
  }

  /** Counts a recorded completion of a scope. */
  public synchronized void released(ScopeGate scope, Instant now) {
    held--;
    scope.released(now);
  }

  /** Deliveries held now. */
  public synchronized int held() {
    return held;
  }

  /** True while any scope of the channel is paused. */
  public synchronized boolean paused() {
    return scopes.values().stream().anyMatch(ScopeGate::paused);
  }

  /** The scopes this gate knows now, in name order. */
  public synchronized List<ScopeGate> scopes() {
    List<ScopeGate> out = new ArrayList<>(scopes.values());
    out.sort(Comparator.comparing(ScopeGate::scope));
    return out;
  }

  /** The gate of a known scope, or null. */
  public synchronized ScopeGate known(Scope scope) {
    return scopes.get(scope);
  }

  private void sweep(Instant now) {
    if (now.isBefore(nextSweep)) {
      return;
    }
    nextSweep = now.plus(Duration.ofMinutes(1));
    Duration keep = valveConfig != null && valveConfig.valveWindow().compareTo(IDLE_SCOPE) > 0
        ? valveConfig.valveWindow() : IDLE_SCOPE;
    Instant before = now.minus(keep);
    scopes.values().removeIf(s -> s.idleSince(before));
  }
}
