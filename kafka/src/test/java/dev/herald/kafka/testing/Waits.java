package dev.herald.kafka.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting for a condition with a deadline: never a fixed sleep for correctness. */
public final class Waits {
  private Waits() {}

  /** Polls {@code condition} until true; fails with {@code describe}'s text after {@code timeout}. */
  public static Duration until(Duration timeout, BooleanSupplier condition, Supplier<String> describe) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    long pause = 20;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout + ": " + describe.get());
      }
      sleep(pause);
      pause = Math.min(200, pause * 2);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** Sleeps for pacing or for letting time pass on purpose (never as the proof of a condition). */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
