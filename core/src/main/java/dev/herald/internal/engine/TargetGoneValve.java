package dev.herald.internal.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The "target gone" safety valve of one scope. When a large share of a scope's recent sends
 * come back "target gone", the likely cause is the sender (a wrong FCM project, rotated VAPID keys
 * the push service no longer matches), not thousands of devices dying at once; invalidating them
 * would silently unsubscribe real users. So past the threshold the engine stops invalidating, keeps
 * the message and pauses the scope instead (one per scope, so one push service answering "gone" for a
 * cold list does not stop the others from invalidating their dead devices).
 */
public final class TargetGoneValve {
  /** The window is counted in this many slices; memory stays bounded whatever the send rate. */
  private static final int SLICES = 64;

  private final double share;
  private final int minSamples;
  private final Duration window;
  private final long sliceNanos;
  // Per-slice counts {slice index, outcomes, gone}, oldest first. One entry per outcome made the
  // valve hold every outcome of the last window: about 90 MB at 30,000 sends/s over one minute.
  private final Deque<long[]> slices = new ArrayDeque<>();
  private long total;
  private long gone;

  /**
   * @param share the fraction of "target gone" (0..1] at which it trips
   * @param minSamples how many outcomes in the window before it may trip
   * @param window how far back outcomes count (to within 1/64 of it)
   */
  public TargetGoneValve(double share, int minSamples, Duration window) {
    this.share = share;
    this.minSamples = minSamples;
    this.window = window;
    this.sliceNanos = Math.max(1_000_000L, window.toNanos() / SLICES);
  }

  /**
   * Records one outcome of the channel and says whether a "target gone" must be held back.
   *
   * @return true when {@code targetGone} and the share of gone outcomes in the window, this one
   *     included, reached the threshold with enough samples
   */
  public synchronized boolean record(Instant now, boolean targetGone) {
    long slice = sliceOf(now);
    long oldest = sliceOf(now.minus(window));
    while (!slices.isEmpty() && slices.peekFirst()[0] < oldest) {
      long[] s = slices.pollFirst();
      total -= s[1];
      gone -= s[2];
    }
    long[] last = slices.peekLast();
    if (last == null || slice > last[0]) {
      last = new long[] {slice, 0, 0};
      slices.addLast(last);
    } // a clock that stepped back counts into the newest slice
    last[1]++;
    total++;
    if (targetGone) {
      last[2]++;
      gone++;
    }
    return targetGone && total >= minSamples && gone >= share * total;
  }

  /** Slices currently held; for tests. */
  synchronized int slicesHeld() {
    return slices.size();
  }

  private long sliceOf(Instant t) {
    // Epoch nanoseconds fit a long until the year 2262.
    return Math.floorDiv(t.getEpochSecond() * 1_000_000_000L + t.getNano(), sliceNanos);
  }
}
