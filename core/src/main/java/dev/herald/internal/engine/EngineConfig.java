package dev.herald.internal.engine;

import dev.herald.RetryPolicy;
import dev.herald.spi.DeliveryGuard;
import dev.herald.store.OutboxStore;
import dev.herald.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The engine's settings, validated by the public builders ({@code dev.herald.EngineBuilder}) and
 * handed over by name through {@link #builder()}. Immutable.
 */
public final class EngineConfig {
  private final OutboxStore store;
  private final List<Transport> transports;
  private final DeliveryGuard guard;
  private final SafeListener listener;
  private final RetryPolicy retryPolicy;
  private final Clock clock;
  private final String instanceId;
  private final Duration pollInterval;
  private final int batchSize;
  private final Duration lease;
  private final int maxInFlightPerChannel;
  private final int maxInFlightPerScope;
  private final int dispatchThreads;
  private final int completionBatchSize;
  private final Duration channelPause;
  private final Duration maxChannelPause;
  private final Duration shutdownTimeout;
  private final double valveShare;
  private final int valveMinSamples;
  private final Duration valveWindow;

  private EngineConfig(Builder b) {
    this.store = Objects.requireNonNull(b.store, "store");
    this.transports = Objects.requireNonNull(b.transports, "transports");
    this.guard = Objects.requireNonNull(b.guard, "guard");
    this.listener = Objects.requireNonNull(b.listener, "listener");
    this.retryPolicy = Objects.requireNonNull(b.retryPolicy, "retryPolicy");
    this.clock = Objects.requireNonNull(b.clock, "clock");
    this.instanceId = Objects.requireNonNull(b.instanceId, "instanceId");
    this.pollInterval = Objects.requireNonNull(b.pollInterval, "pollInterval");
    this.batchSize = b.batchSize;
    this.lease = Objects.requireNonNull(b.lease, "lease");
    this.maxInFlightPerChannel = b.maxInFlightPerChannel;
    this.maxInFlightPerScope = b.maxInFlightPerScope;
    this.dispatchThreads = b.dispatchThreads;
    this.completionBatchSize = b.completionBatchSize;
    this.channelPause = Objects.requireNonNull(b.channelPause, "channelPause");
    this.maxChannelPause = Objects.requireNonNull(b.maxChannelPause, "maxChannelPause");
    this.shutdownTimeout = Objects.requireNonNull(b.shutdownTimeout, "shutdownTimeout");
    this.valveShare = b.valveShare;
    this.valveMinSamples = b.valveMinSamples;
    this.valveWindow = Objects.requireNonNull(b.valveWindow, "valveWindow");
  }

  /** A builder whose every setting must be given. */
  public static Builder builder() {
    return new Builder();
  }

  /** The {@code store} setting. */
  public OutboxStore store() {
    return store;
  }

  /** The {@code transports} setting. */
  public List<Transport> transports() {
    return transports;
  }

  /** The {@code guard} setting. */
  public DeliveryGuard guard() {
    return guard;
  }

  /** The {@code listener} setting. */
  public SafeListener listener() {
    return listener;
  }

  /** The {@code retryPolicy} setting. */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /** The {@code clock} setting. */
  public Clock clock() {
    return clock;
  }

  /** The {@code instanceId} setting. */
  public String instanceId() {
    return instanceId;
  }

  /** The {@code pollInterval} setting. */
  public Duration pollInterval() {
    return pollInterval;
  }

  /** The {@code batchSize} setting. */
  public int batchSize() {
    return batchSize;
  }

  /** The {@code lease} setting. */
  public Duration lease() {
    return lease;
  }

  /** The {@code maxInFlightPerChannel} setting. */
  public int maxInFlightPerChannel() {
    return maxInFlightPerChannel;
  }

  /** The {@code maxInFlightPerScope} setting; 0 for the default (three quarters of the channel's bound). */
  public int maxInFlightPerScope() {
    return maxInFlightPerScope;
  }

  /** The {@code dispatchThreads} setting. */
  public int dispatchThreads() {
    return dispatchThreads;
  }

  /** The {@code completionBatchSize} setting. */
  public int completionBatchSize() {
    return completionBatchSize;
  }

  /** The {@code channelPause} setting. */
  public Duration channelPause() {
    return channelPause;
  }

  /** The {@code maxChannelPause} setting. */
  public Duration maxChannelPause() {
    return maxChannelPause;
  }

  /** The {@code shutdownTimeout} setting. */
  public Duration shutdownTimeout() {
    return shutdownTimeout;
  }

  /** The {@code valveShare} setting. */
  public double valveShare() {
    return valveShare;
  }

  /** The {@code valveMinSamples} setting. */
  public int valveMinSamples() {
    return valveMinSamples;
  }

  /** The {@code valveWindow} setting. */
  public Duration valveWindow() {
    return valveWindow;
  }

  /** True when the target-gone safety valve is on. */
  public boolean valveEnabled() {
    return valveShare > 0;
  }

  /** Collects the settings by name. */
  public static final class Builder {
    private OutboxStore store;
    private List<Transport> transports;
    private DeliveryGuard guard;
    private SafeListener listener;
    private RetryPolicy retryPolicy;
    private Clock clock;
    private String instanceId;
    private Duration pollInterval;
    private int batchSize;
    private Duration lease;
    private int maxInFlightPerChannel;
    private int maxInFlightPerScope;
    private int dispatchThreads;
    private int completionBatchSize;
    private Duration channelPause;
    private Duration maxChannelPause;
    private Duration shutdownTimeout;
    private double valveShare;
    private int valveMinSamples;
    private Duration valveWindow;

    private Builder() {}

    /** Sets {@code store}. */
    public Builder store(OutboxStore store) {
      this.store = store;
      return this;
    }

    /** Sets {@code transports}. */
    public Builder transports(List<Transport> transports) {
      this.transports = transports;
      return this;
    }

    /** Sets {@code guard}. */
    public Builder guard(DeliveryGuard guard) {
      this.guard = guard;
      return this;
    }

    /** Sets {@code listener}. */
    public Builder listener(SafeListener listener) {
      this.listener = listener;
      return this;
    }

    /** Sets {@code retryPolicy}. */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = retryPolicy;
      return this;
    }

    /** Sets {@code clock}. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Sets {@code instanceId}. */
    public Builder instanceId(String instanceId) {
      this.instanceId = instanceId;
      return this;
    }

    /** Sets {@code pollInterval}. */
    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
      return this;
    }

    /** Sets {@code batchSize}. */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Sets {@code lease}. */
    public Builder lease(Duration lease) {
      this.lease = lease;
      return this;
    }

    /** Sets {@code maxInFlightPerChannel}. */
    public Builder maxInFlightPerChannel(int maxInFlightPerChannel) {
      this.maxInFlightPerChannel = maxInFlightPerChannel;
      return this;
    }

    /** Sets {@code maxInFlightPerScope}; 0 for the default. */
    public Builder maxInFlightPerScope(int maxInFlightPerScope) {
      this.maxInFlightPerScope = maxInFlightPerScope;
      return this;
    }

    /** Sets {@code dispatchThreads}. */
    public Builder dispatchThreads(int dispatchThreads) {
      this.dispatchThreads = dispatchThreads;
      return this;
    }

    /** Sets {@code completionBatchSize}. */
    public Builder completionBatchSize(int completionBatchSize) {
      this.completionBatchSize = completionBatchSize;
      return this;
    }

    /** Sets {@code channelPause}. */
    public Builder channelPause(Duration channelPause) {
      this.channelPause = channelPause;
      return this;
    }

    /** Sets {@code maxChannelPause}. */
    public Builder maxChannelPause(Duration maxChannelPause) {
      this.maxChannelPause = maxChannelPause;
      return this;
    }

    /** Sets {@code shutdownTimeout}. */
    public Builder shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = shutdownTimeout;
      return this;
    }

    /** Sets the target-gone safety valve; a share of 0 turns it off. */
    public Builder valve(double share, int minSamples, Duration window) {
      this.valveShare = share;
      this.valveMinSamples = minSamples;
      this.valveWindow = window;
      return this;
    }

    /** The settings. */
    public EngineConfig build() {
      return new EngineConfig(this);
    }
  }
}
