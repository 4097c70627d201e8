package dev.herald.console;

import dev.herald.Channel;
import dev.herald.Outcome;
import dev.herald.spi.DeliveryListener;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link EngineStatus} fed by the engine's own callbacks: register it as a listener of the
 * engine and give it to the console.
 *
 * <pre>{@code
 * EngineStatusListener engineStatus = EngineStatusListener.create();
 * Herald herald = Herald.builder().store(outbox).transport(fcm).listener(engineStatus).build();
 * HeraldConsole console = HeraldConsole.builder(outbox.admin()).engineStatus(engineStatus).build();
 * }</pre>
 *
 * <p>It sees this process's engine only: with several instances, each console shows the pauses of
 * the engine beside it. Thread-safe; its callbacks are a map update.
 */
public final class EngineStatusListener implements DeliveryListener, EngineStatus {
  private static final int MAX_REASON = 300;

  private final Clock clock;
  private final ConcurrentHashMap<Channel, ChannelStatus> channels = new ConcurrentHashMap<>();

  private EngineStatusListener(Clock clock) {
    this.clock = clock;
  }

  /** A listener on the system clock (which also times the engine's pauses by default). */
  public static EngineStatusListener create() {
    return new EngineStatusListener(Clock.systemUTC());
  }

  /** A listener on the given clock: pass the engine's own if it was given one. */
  public static EngineStatusListener create(Clock clock) {
    return new EngineStatusListener(Objects.requireNonNull(clock, "clock"));
  }

  @Override
  public void channelPaused(Channel channel, Outcome cause, Duration pausedFor) {
    String reason = cause == null ? null : cause.describe();
    if (reason != null && reason.length() > MAX_REASON) {
      reason = reason.substring(0, MAX_REASON - 1) + "…";
    }
    channels.put(channel, new ChannelStatus(channel, true, reason, clock.instant().plus(pausedFor),
        cause instanceof Outcome.TargetGone));
  }

  @Override
  public void channelResumed(Channel channel) {
    channels.put(channel, new ChannelStatus(channel, false, null, null, false));
  }

  @Override
  public List<ChannelStatus> channels() {
    List<ChannelStatus> out = new ArrayList<>(channels.values());
    out.sort(Comparator.comparing(s -> s.channel().name()));
    return out;
  }
}
