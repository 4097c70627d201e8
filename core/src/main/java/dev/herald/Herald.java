package dev.herald;

import dev.herald.internal.Engine;
import dev.herald.internal.EngineConfig;
import dev.herald.internal.SafeListener;
import dev.herald.internal.ValidatingDeviceRegistry;
import dev.herald.spi.DeviceRegistry;
import dev.herald.spi.InputValidator;
import dev.herald.spi.DeliveryGuard;
import dev.herald.spi.DeliveryListener;
import dev.herald.spi.OutboxStore;
import dev.herald.spi.Transport;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery engine. It claims due deliveries from an {@link OutboxStore}, asks the
 * {@link DeliveryGuard}, sends through the channel's {@link Transport} and records each
 * {@link Outcome}: delivered, retried with backoff, dead, cancelled, expired or target gone.
 * Several instances (one per application pod) share the work through the store.
 *
 * <pre>{@code
 * Herald herald = Herald.builder()
 *     .store(outbox)
 *     .transport(webPush)
 *     .transport(fcm)
 *     .guard(d -> scheduleStillPending(d) ? Verdict.proceed() : Verdict.veto("schedule started"))
 *     .listener(new LoggingDeliveryListener())
 *     .build();
 * herald.start();
 * ...
 * herald.close(); // on shutdown: finishes or releases what is in flight
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} is idempotent; every other method fails after it.
 */
public final class Herald implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Herald.class);

  private final EngineConfig config;
  private final Engine engine;
  private final InputValidator validator;
  private final DeviceRegistry devices;

  private Herald(EngineConfig config, DeviceRegistry registry) {
    this.config = config;
    this.engine = new Engine(config);
    this.validator = InputValidator.of(config.transports());
    this.devices = registry == null ? null : new ValidatingDeviceRegistry(registry, validator);
  }

  /** A builder; {@link Builder#store} and at least one {@link Builder#transport} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts the poll loop in the background. Logs the effective configuration once.
   *
   * @throws IllegalStateException if already started or closed
   */
  public void start() {
    engine.start();
    log.info("Herald {} started: channels={}, pollInterval={}, batchSize={}, lease={}, maxInFlightPerChannel={}, "
            + "dispatchThreads={}, retryPolicy={}", config.instanceId(), channels(), config.pollInterval(),
        config.batchSize(), config.lease(), config.maxInFlightPerChannel(), config.dispatchThreads(), config.retryPolicy());
  }

  /**
   * Claims one batch, sends it, waits for every outcome and records them before returning: a
   * deterministic driver for tests and tools. Not while started.
   *
   * @return how many deliveries were claimed; 0 when nothing was due
   */
  public int runOnce() {
    return engine.runOnce();
  }

  /**
   * Repeats {@link #runOnce()} until nothing is due, at most {@code maxRounds} times.
   *
   * @return the total number of deliveries claimed
   */
  public int drain(int maxRounds) {
    int total = 0;
    for (int i = 0; i < maxRounds; i++) {
      int n = runOnce();
      if (n == 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  /**
   * Checks the notification with this instance's transports ({@link #validator()}), enqueues it
   * through the store in its own transaction and wakes this instance. To enqueue in the host's own
   * transaction, use the store's transactional methods (and give the store {@link #validator()}'s
   * equivalent, {@code InputValidator.of(transports)}).
   *
   * @throws InvalidInputException when a transport could not send it (forbidden endpoint, payload too large)
   */
  public EnqueueResult enqueue(Notification notification) {
    ensureOpen();
    validator.validate(notification);
    EnqueueResult r = config.store().enqueue(notification);
    if (r.created()) {
      engine.wakeUp();
    }
    return r;
  }

  /** Cancels what is not yet claimed of a notification. */
  public boolean cancel(String idempotencyKey) {
    ensureOpen();
    return config.store().cancel(idempotencyKey);
  }

  /** The notification's current state, from the store. */
  public Optional<NotificationStatus> find(String idempotencyKey) {
    return config.store().find(idempotencyKey);
  }

  /**
   * The device registry given to {@link Builder#deviceRegistry}, validating every target with its
   * channel's transport (for example the Web Push endpoint policy) before it is stored.
   *
   * @throws IllegalStateException when no registry was configured
   */
  public DeviceRegistry devices() {
    if (devices == null) {
      throw new IllegalStateException("no device registry configured: call deviceRegistry(DeviceRegistry) on the builder");
    }
    return devices;
  }

  /** The validator built from this instance's transports: what {@link #enqueue} and {@link #devices()} check. */
  public InputValidator validator() {
    return validator;
  }

  /** Asks the poll loop to claim now rather than at its next poll. */
  public void wakeUp() {
    engine.wakeUp();
  }

  /** True when the channel is paused because its sender failed (credentials, configuration). */
  public boolean paused(Channel channel) {
    return engine.gate(channel).map(g -> g.paused()).orElse(false);
  }

  /** This instance's id, recorded as the lease owner of what it claims. */
  public String instanceId() {
    return config.instanceId();
  }

  /**
   * Deliveries of the channel this instance holds now: claimed and not yet recorded. Zero when
   * idle; never more than {@link Builder#maxInFlightPerChannel} nor the transport's
   * {@link Transport#maxConcurrentSends()}.
   */
  public int inFlight(Channel channel) {
    return engine.gate(channel).map(g -> g.held()).orElse(0);
  }

  /** Counts of sends not started for their lease, outcomes after it, and recording trouble; see {@link EngineCounters}. */
  public EngineCounters counters() {
    return engine.counters();
  }

  /** The channels this instance has transports for. */
  public Set<Channel> channels() {
    Set<Channel> s = new java.util.LinkedHashSet<>();
    config.transports().forEach(t -> s.add(t.channel()));
    return s;
  }

  /**
   * Stops claiming, lets in-flight sends finish within the shutdown timeout, releases what did not
   * finish so another instance can take it at once, and closes the transports. The store is the
   * host's and stays open. Idempotent.
   */
  @Override
  public void close() {
    engine.close();
  }

  private void ensureOpen() {
    if (engine.closed()) {
      throw new IllegalStateException("Herald is closed; build a new instance");
    }
  }

  /**
   * Configures a {@link Herald}. Setters validate their value; {@link #build()} validates the
   * combination. Not thread-safe; the built engine is.
   */
  public static final class Builder {
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

    private OutboxStore store;
    private DeviceRegistry registry;
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
    private int dispatchThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
    private int completionBatchSize = 500;
    private Duration channelPause = Duration.ofSeconds(30);
    private Duration maxChannelPause = Duration.ofMinutes(15);
    private Duration shutdownTimeout = Duration.ofSeconds(10);
    private double valveShare = 0.5;
    private int valveMinSamples = 20;
    private Duration valveWindow = Duration.ofMinutes(1);

    private Builder() {}

    /** Where notifications wait and outcomes are recorded; required. */
    public Builder store(OutboxStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * The registry behind {@link Herald#devices()}; default none. Usually the same object as the
     * store ({@code JdbcOutbox} and {@link InMemoryOutboxStore} are both).
     */
    public Builder deviceRegistry(DeviceRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** Adds the transport of one channel; at least one, one per channel. Closed by {@link Herald#close()}. */
    public Builder transport(Transport transport) {
      this.transports.add(Objects.requireNonNull(transport, "transport"));
      return this;
    }

    /** Asked before every send; default lets everything through. */
    public Builder guard(DeliveryGuard guard) {
      this.guard = Objects.requireNonNull(guard, "guard");
      return this;
    }

    /** Adds a listener; default none. Called in registration order. */
    public Builder listener(DeliveryListener listener) {
      this.listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** When to retry and when to give up; default {@link RetryPolicy#defaults()}. */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /** The engine's clock (channel pauses); default UTC system clock. Due times use the store's clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Lease owner id; default host name, process id and a random suffix. 1-64 printable characters. */
    public Builder instanceId(String instanceId) {
      Objects.requireNonNull(instanceId, "instanceId");
      if (instanceId.isEmpty() || instanceId.length() > 64 || !dev.herald.internal.Checks.identifier(instanceId)) {
        throw new IllegalArgumentException("instanceId must be 1-64 printable characters: "
            + dev.herald.internal.Redact.quote(instanceId, 70));
      }
      this.instanceId = instanceId;
      return this;
    }

    /** Longest wait between claims when nothing wakes the engine earlier, 1 ms to 1 hour; default 1 s. */
    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = bounded("pollInterval", pollInterval, MAX_POLL_INTERVAL);
      return this;
    }

    /** Most deliveries claimed per channel in one statement; default 100. */
    public Builder batchSize(int batchSize) {
      this.batchSize = atLeast("batchSize", batchSize, 1);
      return this;
    }

    /**
     * How long a claim holds before another instance may take a delivery over, 1 ms to 1 day;
     * default 60 s. A send must finish a tenth of the lease before it ends (so that its outcome
     * can be recorded under it), so {@link #build()} requires it to be at least 1.25 times the
     * longest {@link Transport#sendTimeout()} of the transports.
     */
    public Builder lease(Duration lease) {
      this.lease = bounded("lease", lease, MAX_LEASE);
      return this;
    }

    /** Most deliveries of one channel held (claimed, not yet recorded) at once; default 256. */
    public Builder maxInFlightPerChannel(int maxInFlightPerChannel) {
      this.maxInFlightPerChannel = atLeast("maxInFlightPerChannel", maxInFlightPerChannel, 1);
      return this;
    }

    /** Threads that run guards and start sends; default max(2, processors). */
    public Builder dispatchThreads(int dispatchThreads) {
      this.dispatchThreads = atLeast("dispatchThreads", dispatchThreads, 1);
      return this;
    }

    /** Most outcomes recorded in one store call; default 500. */
    public Builder completionBatchSize(int completionBatchSize) {
      this.completionBatchSize = atLeast("completionBatchSize", completionBatchSize, 1);
      return this;
    }

    /** First pause of a channel whose sender failed; doubled after each failed probe; 1 ms to 1 day; default 30 s. */
    public Builder channelPause(Duration channelPause) {
      this.channelPause = bounded("channelPause", channelPause, MAX_PAUSE);
      return this;
    }

    /**
     * Longest pause between probes of a failed channel, also when the provider's
     * {@code Retry-After} asks for more; 1 ms to 1 day; default 15 min.
     */
    public Builder maxChannelPause(Duration maxChannelPause) {
      this.maxChannelPause = bounded("maxChannelPause", maxChannelPause, MAX_PAUSE);
      return this;
    }

    /**
     * How long {@link Herald#close()} may take in all: waiting for in-flight sends, putting back
     * what did not finish and recording it. What the store cannot take by then is left to its
     * lease's expiry. 1 ms to 1 hour; default 10 s.
     */
    public Builder shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = bounded("shutdownTimeout", shutdownTimeout, MAX_SHUTDOWN_TIMEOUT);
      return this;
    }

    /**
     * The "target gone" safety valve: when at least {@code share} of a channel's last outcomes
     * within {@code window} (and at least {@code minSamples} of them) are "target gone", devices are
     * no longer invalidated; the message is kept and the channel paused and reported through
     * {@link DeliveryListener#channelPaused}, because that pattern means wrong credentials or the
     * wrong project, not dead devices. Default 0.5, 20 samples, 1 minute.
     */
    public Builder targetGoneSafetyValve(double share, int minSamples, Duration window) {
      if (!(share > 0 && share <= 1)) {
        throw new IllegalArgumentException("share must be in (0, 1]: " + share);
      }
      this.valveShare = share;
      this.valveMinSamples = atLeast("minSamples", minSamples, 1);
      this.valveWindow = bounded("window", window, MAX_PAUSE);
      return this;
    }

    /** Turns the "target gone" safety valve off: every "target gone" invalidates its device. */
    public Builder disableTargetGoneSafetyValve() {
      this.valveShare = 0;
      return this;
    }

    /**
     * Builds the engine (not started).
     *
     * @throws IllegalStateException when the store or transports are missing, two transports share
     *     a channel, or maxChannelPause is shorter than channelPause
     */
    public Herald build() {
      if (store == null) {
        throw new IllegalStateException("store is required: call store(OutboxStore)");
      }
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
      if (maxChannelPause.compareTo(channelPause) < 0) {
        throw new IllegalStateException("maxChannelPause must be >= channelPause: " + maxChannelPause + " < " + channelPause);
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
      String id = instanceId != null ? instanceId : defaultInstanceId();
      return new Herald(new EngineConfig(store, List.copyOf(transports), guard, new SafeListener(listeners), retryPolicy,
          clock, id, pollInterval, batchSize, lease, maxInFlightPerChannel, dispatchThreads, completionBatchSize,
          channelPause, maxChannelPause, shutdownTimeout, valveShare, valveMinSamples, valveWindow), registry);
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
}
