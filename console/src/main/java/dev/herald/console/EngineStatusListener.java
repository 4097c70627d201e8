package dev.herald.console;

import dev.herald.Channel;
import dev.herald.Outcome;
import dev.herald.Scope;
import dev.herald.spi.DeliveryListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
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
  // Channels the engine has reported on (so a resumed channel still shows as running), and the
  // scopes paused right now: a pause and its end are per scope, a channel is paused while any is.
  private final Set<Channel> known = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<Scope, ScopeStatus> paused = new ConcurrentHashMap<>();

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
  public void scopePaused(Scope scope, Outcome cause, Duration pausedFor) {
    known.add(scope.channel());
    paused.put(scope, new ScopeStatus(scope.name(), bounded(cause == null ? null : cause.describe()),
        clock.instant().plus(pausedFor), cause instanceof Outcome.TargetGone));
  }

  @Override
  public void scopeResumed(Scope scope) {
    known.add(scope.channel());
    paused.remove(scope);
  }

  /** The channel's one scope paused (what an engine without scopes reports). */
  @Override
  public void channelPaused(Channel channel, Outcome cause, Duration pausedFor) {
    scopePaused(Scope.of(channel), cause, pausedFor);
  }

  /** The channel's one scope resumed. */
  @Override
  public void channelResumed(Channel channel) {
    scopeResumed(Scope.of(channel));
  }

  @Override
  public List<ChannelStatus> channels() {
    Map<Channel, List<ScopeStatus>> byChannel = new TreeMap<>(Comparator.comparing(Channel::name));
    known.forEach(c -> byChannel.put(c, new ArrayList<>()));
    paused.forEach((scope, status) -> byChannel.computeIfAbsent(scope.channel(), c -> new ArrayList<>()).add(status));
    List<ChannelStatus> out = new ArrayList<>();
    byChannel.forEach((channel, scopes) -> {
      if (scopes.isEmpty()) {
        out.add(new ChannelStatus(channel, false, null, null, false));
        return;
      }
      scopes.sort(Comparator.comparing(ScopeStatus::scope));
      String reason;
      if (scopes.size() == 1 && scopes.get(0).scope().isEmpty()) {
        reason = scopes.get(0).reason();
      } else {
        StringBuilder b = new StringBuilder();
        for (ScopeStatus s : scopes) {
          b.append(b.length() == 0 ? "" : "; ").append(s.scope().isEmpty() ? channel.name() : s.scope())
              .append(": ").append(s.reason() == null ? "paused" : s.reason());
        }
        reason = bounded(b.toString());
      }
      Instant next = scopes.stream().map(ScopeStatus::nextProbe).min(Comparator.naturalOrder()).orElse(null);
      boolean valve = scopes.stream().anyMatch(ScopeStatus::valveTripped);
      out.add(new ChannelStatus(channel, true, reason, next, valve, scopes));
    });
    return out;
  }

  private static String bounded(String reason) {
    if (reason != null && reason.length() > MAX_REASON) {
      return reason.substring(0, MAX_REASON - 1) + "…";
    }
    return reason;
  }
}
