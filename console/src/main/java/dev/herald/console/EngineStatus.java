package dev.herald.console;

import dev.herald.Channel;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the console shows about the delivery engines that the outbox cannot know: which channels
 * are paused (with the reason and the next probe) and whether the "target gone" safety valve
 * tripped. The host supplies it; {@link EngineStatusListener} is a ready implementation fed by an
 * engine's listener callbacks, and {@link #none()} says that no engine runs in this process (the
 * console then shows the outbox alone).
 *
 * <p>Implementations must be thread-safe and fast: the overview asks on every refresh.
 */
@FunctionalInterface
public interface EngineStatus {

  /** The engine's view of each channel it knows; empty when it knows none. Never null. */
  List<ChannelStatus> channels();

  /** Whether an engine is reporting at all; false only for {@link #none()}. */
  default boolean attached() {
    return true;
  }

  /** No engine in this process: the console shows the outbox's figures only. */
  static EngineStatus none() {
    return new EngineStatus() {
      @Override
      public List<ChannelStatus> channels() {
        return List.of();
      }

      @Override
      public boolean attached() {
        return false;
      }
    };
  }

  /**
   * One channel as the engine sees it. The engine pauses per scope (a push service and the
   * credential used with it): the channel counts as paused while any of its scopes is, and
   * {@code pausedScopes} says which.
   *
   * @param channel the channel
   * @param paused true while the engine holds back the sends of at least one of the channel's scopes
   * @param reason why it paused (the provider's code and reason, already redacted by the transport;
   *     with several paused scopes, each scope's name and reason), or null
   * @param nextProbe the earliest next probe of a paused scope, or null when not paused
   * @param valveTripped true when a pause came from the "target gone" safety valve (too many devices
   *     reported gone at once: check the sender's credentials) rather than an authentication failure
   * @param pausedScopes the paused scopes, in name order; empty when not paused
   */
  record ChannelStatus(Channel channel, boolean paused, String reason, Instant nextProbe, boolean valveTripped,
      List<ScopeStatus> pausedScopes) {

    /** Validates. */
    public ChannelStatus {
      Objects.requireNonNull(channel, "channel");
      pausedScopes = List.copyOf(Objects.requireNonNull(pausedScopes, "pausedScopes"));
    }

    /** A channel status without scope detail (an engine whose channels have one scope each). */
    public ChannelStatus(Channel channel, boolean paused, String reason, Instant nextProbe, boolean valveTripped) {
      this(channel, paused, reason, nextProbe, valveTripped, List.of());
    }
  }

  /**
   * One paused scope of a channel.
   *
   * @param scope the scope's name within its channel (empty for a channel's one scope)
   * @param reason why it paused, or null
   * @param nextProbe when the engine will try one send of this scope again
   * @param valveTripped true when the "target gone" safety valve paused it
   */
  record ScopeStatus(String scope, String reason, Instant nextProbe, boolean valveTripped) {

    /** Validates. */
    public ScopeStatus {
      Objects.requireNonNull(scope, "scope");
      Objects.requireNonNull(nextProbe, "nextProbe");
    }
  }
}
