package dev.herald.internal.engine;

import dev.herald.Outcome;
import dev.herald.Scope;
import java.time.Duration;
import java.time.Instant;

/**
 * One scope's admission control (one push service and credential of a channel, see {@link Scope}):
 * how many of its deliveries this instance holds, bounded so that one slow push service cannot take
 * all of its channel's slots; whether it is paused because the sender's credentials failed there;
 * and its "target gone" safety valve.
 *
 * <p>A paused scope claims nothing until its pause ends; then it lets exactly one delivery through
 * as a probe. A probe that fails the same way pauses it again for twice as long (up to the maximum);
 * any other outcome resumes it. Guarded by its {@link ChannelGate}'s lock.
 */
public final class ScopeGate {
  private final Scope scope;
  private final int capacity;
  private final Duration initialPause;
  private final Duration maxPause;
  private final TargetGoneValve valve;

  private int held;
  private Instant pausedUntil;
  private Duration currentPause;
  private boolean probeOut;
  private Outcome pauseCause;
  private Instant lastActive;

  ScopeGate(Scope scope, int capacity, Duration initialPause, Duration maxPause, TargetGoneValve valve, Instant now) {
    this.scope = scope;
    this.capacity = capacity;
    this.initialPause = initialPause;
    this.maxPause = maxPause;
    this.valve = valve;
    this.lastActive = now;
  }

  /** The scope. */
  public Scope scope() {
    return scope;
  }

  /** The most deliveries of this scope held at once. */
  public int capacity() {
    return capacity;
  }

  /** This scope's safety valve, or null when the valve is off. */
  TargetGoneValve valve() {
    return valve;
  }

  /** How many more deliveries of this scope may be claimed now: 0 while paused, 1 for its probe. */
  synchronized int freeSlots(Instant now) {
    if (pausedUntil != null) {
      return now.isBefore(pausedUntil) || probeOut || held > 0 ? 0 : 1;
    }
    return Math.max(0, capacity - held);
  }

  /** Counts claimed deliveries; one claimed after the pause ended is the probe. */
  synchronized void acquired(int n, Instant now) {
    held += n;
    lastActive = now;
    if (pausedUntil != null && n > 0 && !now.isBefore(pausedUntil)) {
      probeOut = true;
    }
  }

  /** Counts a recorded completion. */
  synchronized void released(Instant now) {
    held--;
    lastActive = now;
    if (held == 0) {
      // A probe that ended without reaching the push service (vetoed, expired) proves nothing.
      probeOut = false;
    }
  }

  /** Deliveries held now. */
  public synchronized int held() {
    return held;
  }

  /** True when sends of this scope must not go out now (paused and not the probe). */
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
   * Records that the sender is unusable here. Returns the new pause length when this call paused (or
   * re-paused after a failed probe) the scope, null when it was already paused. A provider's
   * {@code retryAfter} lengthens the pause up to the maximum pause, never beyond.
   */
  synchronized Duration onUnavailable(Instant now, Duration retryAfter, Outcome cause) {
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
    pauseCause = cause;
    lastActive = now;
    return pause;
  }

  /** Records an outcome that shows the sender works here. Returns true when this resumed the scope (the probe passed). */
  synchronized boolean onWorking(Instant now) {
    lastActive = now;
    if (pausedUntil != null && !now.isBefore(pausedUntil)) {
      pausedUntil = null;
      currentPause = null;
      probeOut = false;
      pauseCause = null;
      return true;
    }
    return false;
  }

  /** True while paused. */
  public synchronized boolean paused() {
    return pausedUntil != null;
  }

  /** When the paused scope's probe may go, or null when not paused. */
  public synchronized Instant pausedUntil() {
    return pausedUntil;
  }

  /** What paused it, or null when not paused. */
  public synchronized Outcome pauseCause() {
    return pauseCause;
  }

  /** True when nothing is held, it is not paused, and it was last used before {@code before}. */
  synchronized boolean idleSince(Instant before) {
    return held == 0 && pausedUntil == null && lastActive.isBefore(before);
  }
}
