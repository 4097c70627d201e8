package dev.herald.internal.engine;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets the poll loop sleep until its next poll, or less when woken: by a store notification
 * (LISTEN/NOTIFY), a local enqueue, or capacity freed by a recorded completion. A wake that arrives
 * while the loop is busy is remembered, so that it is never lost between a claim and the next wait.
 */
public final class Waiter {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition signal = lock.newCondition();
  private boolean woken;

  /** Waits up to {@code timeout} or until {@link #wake()}; returns true when woken. */
  public boolean await(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (!woken && nanos > 0) {
        nanos = signal.awaitNanos(nanos);
      }
      boolean w = woken;
      woken = false;
      return w;
    } finally {
      lock.unlock();
    }
  }

  /** Wakes the waiting loop now, or makes its next wait return at once. */
  public void wake() {
    lock.lock();
    try {
      woken = true;
      signal.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
