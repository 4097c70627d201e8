package dev.herald.internal;

import dev.herald.RetryPolicy;
import dev.herald.spi.DeliveryGuard;
import dev.herald.spi.OutboxStore;
import dev.herald.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** The engine's settings, validated and copied by {@code Herald.Builder}. */
public record EngineConfig(
    OutboxStore store,
    List<Transport> transports,
    DeliveryGuard guard,
    SafeListener listener,
    RetryPolicy retryPolicy,
    Clock clock,
    String instanceId,
    Duration pollInterval,
    int batchSize,
    Duration lease,
    int maxInFlightPerChannel,
    int dispatchThreads,
    int completionBatchSize,
    Duration channelPause,
    Duration maxChannelPause,
    Duration shutdownTimeout,
    double valveShare,
    int valveMinSamples,
    Duration valveWindow) {

  /** True when the target-gone safety valve is on. */
  public boolean valveEnabled() {
    return valveShare > 0;
  }
}
