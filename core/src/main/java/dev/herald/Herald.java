package dev.herald;

import dev.herald.internal.engine.Engine;
import dev.herald.internal.engine.EngineConfig;
import dev.herald.internal.engine.ValidatingDeviceRegistry;
import dev.herald.spi.DeviceRegistry;
import dev.herald.spi.InputValidator;
import dev.herald.store.OutboxStore;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery engine. It claims due deliveries from an {@link OutboxStore}, asks the
 * {@link dev.herald.spi.DeliveryGuard}, sends through the channel's {@link dev.herald.spi.Transport} and records each
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

  Herald(EngineConfig config, DeviceRegistry registry) {
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
            + "maxInFlightPerScope={}, dispatchThreads={}, retryPolicy={}", config.instanceId(), channels(),
        config.pollInterval(), config.batchSize(), config.lease(), config.maxInFlightPerChannel(),
        config.maxInFlightPerScope() == 0 ? "3/4 of the channel's" : config.maxInFlightPerScope(),
        config.dispatchThreads(), config.retryPolicy());
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

  /**
   * True when a scope of the channel (or the whole channel, for a transport without scopes) is paused
   * because its sender failed there (credentials, configuration); see {@link #pausedScopes()}.
   */
  public boolean paused(Channel channel) {
    return engine.gate(channel).map(g -> g.paused()).orElse(false);
  }

  /** True when this scope is paused because its sender failed there; its deliveries wait unclaimed. */
  public boolean paused(Scope scope) {
    return engine.gate(scope.channel()).map(g -> g.known(scope)).map(s -> s.paused()).orElse(false);
  }

  /** The scopes paused now, in channel and name order. */
  public java.util.List<Scope> pausedScopes() {
    java.util.List<Scope> out = new java.util.ArrayList<>();
    for (Channel c : channels()) {
      engine.gate(c).ifPresent(g -> g.scopes().stream().filter(s -> s.paused()).forEach(s -> out.add(s.scope())));
    }
    return out;
  }

  /** Deliveries of a scope this instance holds now; never more than {@link EngineBuilder#maxInFlightPerScope}. */
  public int inFlight(Scope scope) {
    return engine.gate(scope.channel()).map(g -> g.known(scope)).map(s -> s.held()).orElse(0);
  }

  /** This instance's id, recorded as the lease owner of what it claims. */
  public String instanceId() {
    return config.instanceId();
  }

  /**
   * Deliveries of the channel this instance holds now: claimed and not yet recorded. Zero when
   * idle; never more than {@link Builder#maxInFlightPerChannel} nor the transport's
   * {@link dev.herald.spi.Transport#maxConcurrentSends()}.
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
   * Configures a {@link Herald} on any {@link OutboxStore}; the engine settings are
   * {@link EngineBuilder}'s. For a JDBC database, {@code JdbcHerald.builder(dataSource)} in
   * herald-outbox-jdbc is the front door instead. Not thread-safe; the built engine is.
   */
  public static final class Builder extends EngineBuilder<Builder> {
    private OutboxStore store;
    private DeviceRegistry registry;

    private Builder() {}

    /** Where notifications wait and outcomes are recorded; required. */
    public Builder store(OutboxStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * The registry behind {@link Herald#devices()}; default the store itself when it is also a
     * {@link DeviceRegistry} (the JDBC outbox and herald-testing's in-memory store both are), else
     * none.
     */
    public Builder deviceRegistry(DeviceRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
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
      DeviceRegistry devices = registry != null ? registry : store instanceof DeviceRegistry r ? r : null;
      return buildEngine(store, devices);
    }
  }
}
