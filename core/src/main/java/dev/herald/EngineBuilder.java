package dev.herald;

import dev.herald.internal.Checks;
import dev.herald.internal.engine.EngineConfig;
import dev.herald.internal.Redact;
import dev.herald.internal.engine.SafeListener;
import dev.herald.spi.DeliveryGuard;
import dev.herald.spi.DeliveryListener;
import dev.herald.spi.DeviceRegistry;
import dev.herald.store.OutboxStore;
import dev.herald.spi.Transport;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The settings every Herald engine has, whatever its store: transports, guard, listeners, retry
 * policy, timing and limits. {@link Herald#builder()} (any {@link OutboxStore}) and the JDBC front
 * door's builder ({@code JdbcHerald.builder(dataSource)}) both extend it, so each setting is named,
 * defaulted and checked in one place. Setters validate their value; the concrete builder's
 * {@code build()} validates the combination. Not thread-safe.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class EngineBuilder<B extends EngineBuilder<B>> {
  /** Longest {@link #pollInterval}: one hour. */
  public static final Duration MAX_POLL_INTERVAL = Duration.ofHours(1);
  /** Longest {@link #lease}: one day. */
  public static final Duration MAX_LEASE = Duration.ofDays(1);
  /** Longest {@link #shutdownTimeout}: one hour. */
  public static final Duration MAX_SHUTDOWN_TIMEOUT = Duration.ofHours(1);
  /** Longest {@link #channelPause}, {@link #maxChannelPause} and safety-valve window: one day. */
  public static final Duration MAX_PAUSE = Duration.ofDays(1);
  /** Shortest duration any setting accepts: one millisecond, the stores' resolution. */
  public static final Duration MIN_DURATION = Duration.ofMillis(1);

  private final List<Transport> transports = new ArrayList<>();
  private DeliveryGuard guard = DeliveryGuard.allowAll();
  private final List<DeliveryListener> listeners = new ArrayList<>();
  private RetryPolicy retryPolicy = RetryPolicy.defaults();
  private Clock clock = Clock.systemUTC();
  private String instanceId;
  private Duration pollInterval = Duration.ofSeconds(1);
  private int batchSize = 100;
  private Duration lease = Duration.ofSeconds(60);
  private int maxInFlightPerChannel = 256;
  private int maxInFlightPerScope; // 0: three quarters of each channel's bound
  private int dispatchThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
  private int completionBatchSize = 500;
  private Duration channelPause = Duration.ofSeconds(30);
  private Duration maxChannelPause = Duration.ofMinutes(15);
  private Duration shutdownTimeout = Duration.ofSeconds(10);
  private double valveShare = 0.5;
  private int valveMinSamples = 20;
  private Duration valveWindow = Duration.ofMinutes(1);

  /** For subclasses. */
  protected EngineBuilder() {}

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /**
   * Adds the transport of one channel; at least one, one per channel. It also decides what input is
   * accepted for its channel before anything is stored (see {@link Transport#validate}). Closed when
   * the engine closes.
   */
  public B transport(Transport transport) {
    this.transports.add(Objects.requireNonNull(transport, "transport"));
    return self();
  }

  /** Asked before every send; default lets everything through. */
  public B guard(DeliveryGuard guard) {
    this.guard = Objects.requireNonNull(guard, "guard");
    return self();
  }

  /** Adds a listener; default none. Called in registration order. */
  public B listener(DeliveryListener listener) {
    this.listeners.add(Objects.requireNonNull(listener, "listener"));
    return self();
  }

  /** When to retry and when to give up; default {@link RetryPolicy#defaults()}. */
  public B retryPolicy(RetryPolicy retryPolicy) {
    this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
    return self();
  }

  /** The engine's clock (channel pauses); default UTC system clock. Due times use the store's clock. */
  public B clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return self();
  }

  /** Lease owner id; default host name, process id and a random suffix. 1-64 printable characters. */
  public B instanceId(String instanceId) {
    Objects.requireNonNull(instanceId, "instanceId");
    if (instanceId.isEmpty() || instanceId.length() > 64 || !Checks.identifier(instanceId)) {
      throw new IllegalArgumentException("instanceId must be 1-64 printable characters: " + Redact.quote(instanceId, 70));
    }
    this.instanceId = instanceId;
    return self();
  }

  /** Longest wait between claims when nothing wakes the engine earlier, 1 ms to 1 hour; default 1 s. */
  public B pollInterval(Duration pollInterval) {
    this.pollInterval = bounded("pollInterval", pollInterval, MAX_POLL_INTERVAL);
    return self();
  }

  /** Most deliveries claimed per channel in one statement; default 100. */
  public B batchSize(int batchSize) {
    this.batchSize = atLeast("batchSize", batchSize, 1);
    return self();
  }

  /**
   * How long a claim holds before another instance may take a delivery over, 1 ms to 1 day;
   * default 60 s. A send must finish a tenth of the lease before it ends (so that its outcome can be
   * recorded under it), so building requires it to be at least 1.25 times the longest
   * {@link Transport#sendTimeout()} of the transports.
   */
  public B lease(Duration lease) {
    this.lease = bounded("lease", lease, MAX_LEASE);
    return self();
  }

  /** Most deliveries of one channel held (claimed, not yet recorded) at once; default 256. */
  public B maxInFlightPerChannel(int maxInFlightPerChannel) {
    this.maxInFlightPerChannel = atLeast("maxInFlightPerChannel", maxInFlightPerChannel, 1);
    return self();
  }

  /**
   * Most deliveries of one scope (one push service and credential of a channel, see {@link Scope})
   * held at once, so that one slow push service cannot take all of its channel's slots; default three
   * quarters of the channel's bound (rounded up), leaving a quarter to the channel's other scopes.
   * Never more than the channel's bound. A transport without scopes has one scope per channel, which
   * the channel's bound alone limits.
   */
  public B maxInFlightPerScope(int maxInFlightPerScope) {
    this.maxInFlightPerScope = atLeast("maxInFlightPerScope", maxInFlightPerScope, 1);
    return self();
  }

  /** Threads that run guards and start sends; default max(2, processors). */
  public B dispatchThreads(int dispatchThreads) {
    this.dispatchThreads = atLeast("dispatchThreads", dispatchThreads, 1);
    return self();
  }

  /** Most outcomes recorded in one store call; default 500. */
  public B completionBatchSize(int completionBatchSize) {
    this.completionBatchSize = atLeast("completionBatchSize", completionBatchSize, 1);
    return self();
  }

  /**
   * First pause of a scope (or of a channel without scopes) whose sender failed; doubled after each
   * failed probe; 1 ms to 1 day; default 30 s.
   */
  public B channelPause(Duration channelPause) {
    this.channelPause = bounded("channelPause", channelPause, MAX_PAUSE);
    return self();
  }

  /**
   * Longest pause between probes of a failed scope, also when the provider's {@code Retry-After}
   * asks for more; 1 ms to 1 day; default 15 min.
   */
  public B maxChannelPause(Duration maxChannelPause) {
    this.maxChannelPause = bounded("maxChannelPause", maxChannelPause, MAX_PAUSE);
    return self();
  }

  /**
   * How long closing may take in all: waiting for in-flight sends, putting back what did not finish
   * and recording it. What the store cannot take by then is left to its lease's expiry. 1 ms to
   * 1 hour; default 10 s.
   */
  public B shutdownTimeout(Duration shutdownTimeout) {
    this.shutdownTimeout = bounded("shutdownTimeout", shutdownTimeout, MAX_SHUTDOWN_TIMEOUT);
    return self();
  }

  /**
   * The "target gone" safety valve, per scope: when at least {@code share} of a scope's last
   * outcomes within {@code window} (and at least {@code minSamples} of them) are "target gone",
   * devices are no longer invalidated; the message is kept and the scope paused and reported through
   * {@link DeliveryListener#scopePaused}, because that pattern means wrong credentials or the wrong
   * project, not dead devices. The channel's other scopes (other push services, other credentials)
   * count on their own. Default 0.5, 20 samples, 1 minute.
   */
  public B targetGoneSafetyValve(double share, int minSamples, Duration window) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("share must be in (0, 1]: " + share);
    }
    this.valveShare = share;
    this.valveMinSamples = atLeast("minSamples", minSamples, 1);
    this.valveWindow = bounded("window", window, MAX_PAUSE);
    return self();
  }

  /** Turns the "target gone" safety valve off: every "target gone" invalidates its device. */
  public B disableTargetGoneSafetyValve() {
    this.valveShare = 0;
    return self();
  }

  /** The transports added so far, in order: what a front door derives its input validator from. */
  protected final List<Transport> transports() {
    return List.copyOf(transports);
  }

  /**
   * Validates the combination and builds an engine (not started) on this store.
   *
   * @param store where notifications wait and outcomes are recorded
   * @param registry the devices behind {@link Herald#devices()}, or null for none
   * @throws IllegalStateException when no transport was added, two transports share a channel, or
   *     maxChannelPause is shorter than channelPause
   */
  protected final Herald buildEngine(OutboxStore store, DeviceRegistry registry) {
    Objects.requireNonNull(store, "store");
    if (transports.isEmpty()) {
      throw new IllegalStateException("at least one transport is required: call transport(Transport)");
    }
    Set<Channel> seen = new HashSet<>();
    for (Transport t : transports) {
      Channel c = Objects.requireNonNull(t.channel(), "transport.channel()");
      if (!seen.add(c)) {
        throw new IllegalStateException("transports must serve distinct channels: two for " + c);
      }
    }
    for (Transport t : transports) {
      Duration sendTimeout = t.sendTimeout();
      if (sendTimeout == null || sendTimeout.isNegative()) {
        throw new IllegalStateException("the " + t.channel() + " transport's sendTimeout() must be >= 0: " + sendTimeout);
      }
      if (t.maxConcurrentSends() < 1) {
        throw new IllegalStateException("the " + t.channel() + " transport's maxConcurrentSends() must be >= 1: "
            + t.maxConcurrentSends());
      }
      // The deadline of a send is the lease less a tenth; a send must fit in it with time to start.
      if (sendTimeout.compareTo(lease) > 0 || sendTimeout.multipliedBy(5).compareTo(lease.multipliedBy(4)) > 0) {
        throw new IllegalStateException("lease must be at least 1.25 times the " + t.channel()
            + " transport's send timeout (" + sendTimeout + ") so that a claimed delivery can be sent and recorded "
            + "before its lease ends: " + lease);
      }
    }
    if (maxChannelPause.compareTo(channelPause) < 0) {
      throw new IllegalStateException("maxChannelPause must be >= channelPause: " + maxChannelPause + " < " + channelPause);
    }
    EngineConfig config = EngineConfig.builder()
        .store(store)
        .transports(List.copyOf(transports))
        .guard(guard)
        .listener(new SafeListener(listeners))
        .retryPolicy(retryPolicy)
        .clock(clock)
        .instanceId(instanceId != null ? instanceId : defaultInstanceId())
        .pollInterval(pollInterval)
        .batchSize(batchSize)
        .lease(lease)
        .maxInFlightPerChannel(maxInFlightPerChannel)
        .maxInFlightPerScope(maxInFlightPerScope)
        .dispatchThreads(dispatchThreads)
        .completionBatchSize(completionBatchSize)
        .channelPause(channelPause)
        .maxChannelPause(maxChannelPause)
        .shutdownTimeout(shutdownTimeout)
        .valve(valveShare, valveMinSamples, valveWindow)
        .build();
    return new Herald(config, registry);
  }

  private static String defaultInstanceId() {
    String jvm = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
    String s = jvm + "-" + UUID.randomUUID().toString().substring(0, 8);
    return s.length() > 64 ? s.substring(s.length() - 64) : s;
  }

  private static Duration bounded(String name, Duration d, Duration max) {
    Objects.requireNonNull(d, name);
    if (d.compareTo(MIN_DURATION) < 0 || d.compareTo(max) > 0) {
      throw new IllegalArgumentException(name + " must be between " + MIN_DURATION + " and " + max + ": " + d);
    }
    return d;
  }

  private static int atLeast(String name, int v, int min) {
    if (v < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ": " + v);
    }
    return v;
  }
}
