package dev.herald.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The "target gone" safety valve of one channel. When a large share of a channel's recent sends
 * come back "target gone", the likely cause is the sender (a wrong FCM project, rotated VAPID keys
 * the push service no longer matches), not thousands of devices dying at once; invalidating them
 * would silently unsubscribe real users. So past the threshold the engine stops invalidating, keeps
 * the message and pauses the channel instead.
 */
public final class TargetGoneValve {
  private final double share;
  private final int minSamples;
  private final Duration window;
  private final Deque<Sample> samples = new ArrayDeque<>();
  private int gone;

  private record Sample(Instant at, boolean gone) {}

  /**
   * @param share the fraction of "target gone" (0..1] at which it trips
   * @param minSamples how many outcomes in the window before it may trip
   * @param window how far back outcomes count
   */
  public TargetGoneValve(double share, int minSamples, Duration window) {
    this.share = share;
    this.minSamples = minSamples;
    this.window = window;
  }

  /**
   * Records one outcome of the channel and says whether a "target gone" must be held back.
   *
   * @return true when {@code targetGone} and the share of gone outcomes in the window, this one
   *     included, reached the threshold with enough samples
   */
  public synchronized boolean record(Instant now, boolean targetGone) {
    Instant oldest = now.minus(window);
    while (!samples.isEmpty() && samples.peekFirst().at().isBefore(oldest)) {
      if (samples.pollFirst().gone()) {
        gone--;
      }
    }
    samples.addLast(new Sample(now, targetGone));
    if (targetGone) {
      gone++;
    }
    return targetGone && samples.size() >= minSamples && gone >= share * samples.size();
  }
}
