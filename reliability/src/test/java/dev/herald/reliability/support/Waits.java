package dev.herald.reliability.support;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waiting: poll a condition until it holds or a deadline passes; never a fixed sleep for correctness. */
public final class Waits {
  private Waits() {}

  /**
   * Polls {@code condition} every 50-200 ms until true.
   *
   * @return how long it took
   * @throws AssertionError with {@code describe}'s text when the deadline passes
   */
  public static Duration until(Duration timeout, BooleanSupplier condition, Supplier<String> describe) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    long pause = 50;
    while (true) {
      if (condition.getAsBoolean()) {
        return Duration.ofNanos(System.nanoTime() - start);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout + ": " + describe.get());
      }
      sleep(pause);
      pause = Math.min(200, pause + 25);
    }
  }

  /** Calls {@code body} until it returns without an exception, for at most {@code timeout}. */
  public static <T> T retrying(Duration timeout, String what, Callable<T> body) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        return body.call();
      } catch (Exception e) {
        last = e;
        sleep(250);
      }
    }
    throw new IllegalStateException(what + " kept failing for " + timeout + ": " + last, last);
  }

  /** Sleeps, keeping the interrupt flag. For pacing load, never for correctness. */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
