package dev.herald.internal.engine;

import dev.herald.Channel;
import dev.herald.spi.Transport;
import java.time.Duration;
import java.time.Instant;

/**
 * One channel's admission control: how many of its deliveries this instance holds (claimed and not
 * yet recorded), bounded so a slow push service cannot pile up leases; and whether the channel is
 * paused because the sender's own credentials or configuration failed.
 *
 * <p>A paused channel claims nothing until its pause ends; then it lets exactly one delivery
 * through as a probe. A probe that fails the same way pauses it again for twice as long (up to the
 * maximum); any other outcome resumes it.
 */
public final class ChannelGate {
  private final Channel channel;
  private final Transport transport;
  private final int maxInFlight;
  private final Duration initialPause;
  private final Duration maxPause;

  private int held;
  private Instant pausedUntil;
  private Duration currentPause;
  private boolean probeOut;

  /**
   * A gate for one transport, admitting at most {@code maxInFlight} deliveries and never more than
   * the transport runs at once ({@link Transport#maxConcurrentSends()}): what is claimed beyond that
   * would wait in the transport's queue while its lease runs out.
   */
  public ChannelGate(Transport transport, int maxInFlight, Duration initialPause, Duration maxPause) {
    this.channel = transport.channel();
    this.transport = transport;
    this.maxInFlight = Math.min(maxInFlight, Math.max(1, transport.maxConcurrentSends()));
    this.initialPause = initialPause;
    this.maxPause = maxPause;
  }

  /** The channel. */
  public Channel channel() {
    return channel;
  }

  /** The transport. */
  public Transport transport() {
    return transport;
  }

  /** How many more deliveries of this channel may be claimed now. */
  public synchronized int freeSlots(Instant now) {
    if (pausedUntil != null) {
      if (now.isBefore(pausedUntil) || probeOut || held > 0) {
        return 0;
      }
      return 1;
    }
    return Math.max(0, maxInFlight - held);
  }

  /** Counts claimed deliveries; a claim while paused is the probe. */
  public synchronized void acquired(int n) {
    held += n;
    if (pausedUntil != null && n > 0) {
      probeOut = true;
    }
  }

  /** Counts a recorded completion. */
  public synchronized void released() {
    held--;
    if (held == 0) {
      // A probe that ended without reaching the push service (vetoed, expired) proves nothing.
      probeOut = false;
    }
  }

  /** The most deliveries this gate admits at once. */
  public int capacity() {
    return maxInFlight;
  }

  /** Deliveries held now. */
  public synchronized int held() {
    return held;
  }

  /** True when sends of this channel must not go out now (paused and not the probe). */
  public synchronized boolean blocked(Instant now) {
    return pausedUntil != null && now.isBefore(pausedUntil);
  }

  /** Time left in the pause, zero when not paused. */
  public synchronized Duration remainingPause(Instant now) {
    if (pausedUntil == null || !now.isBefore(pausedUntil)) {
      return Duration.ZERO;
    }
    return Duration.between(now, pausedUntil);
  }

  /**
   * Records that the sender is unusable. Returns the new pause length when this call paused (or
   * re-paused after a failed probe) the channel, null when it was already paused. A provider's
   * {@code retryAfter} lengthens the pause up to the maximum pause, never beyond: one answer from a
   * push service must not stop a channel for a year.
   */
  public synchronized Duration onUnavailable(Instant now, Duration retryAfter) {
    Duration pause;
    if (pausedUntil == null) {
      pause = initialPause;
    } else if (!now.isBefore(pausedUntil)) {
      // The probe failed: back off further.
      pause = currentPause.multipliedBy(2);
      if (pause.compareTo(maxPause) > 0) {
        pause = maxPause;
      }
    } else {
      return null;
    }
    if (retryAfter != null && retryAfter.compareTo(pause) > 0) {
      pause = retryAfter.compareTo(maxPause) > 0 ? maxPause : retryAfter;
    }
    currentPause = pause;
    pausedUntil = now.plus(pause);
    probeOut = false;
    return pause;
  }

  /**
   * Records an outcome that shows the sender works. Returns true when this resumed a paused
   * channel (the probe passed).
   */
  public synchronized boolean onWorking(Instant now) {
    if (pausedUntil != null && !now.isBefore(pausedUntil)) {
      pausedUntil = null;
      currentPause = null;
      probeOut = false;
      return true;
    }
    return false;
  }

  /** True while paused. */
  public synchronized boolean paused() {
    return pausedUntil != null;
  }
}
