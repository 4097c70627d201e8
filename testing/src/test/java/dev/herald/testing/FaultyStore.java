package dev.herald.testing;

import dev.herald.EnqueueResult;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.store.ClaimBatch;
import dev.herald.store.ClaimRequest;
import dev.herald.store.Completion;
import dev.herald.store.OutboxStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A store in front of another that fails as a database can: {@link #down} makes every call throw
 * (unreachable), {@link #hang} makes {@code complete} block until released (a connection that never
 * answers, and ignores interrupts as a socket read does), and {@link #refuse} makes it throw for batches holding a completion the database would
 * refuse for its content (the rest of the batch is then not recorded either, as in one transaction).
 */
public final class FaultyStore implements OutboxStore {
  private final OutboxStore inner;
  private volatile boolean down;
  private volatile boolean completeDown;
  private volatile CountDownLatch hang;
  private volatile Predicate<Completion> refuse = c -> false;
  private final AtomicInteger completeCalls = new AtomicInteger();

  public FaultyStore(OutboxStore inner) {
    this.inner = inner;
  }

  /** Every call fails as if the database were unreachable. */
  public void down(boolean down) {
    this.down = down;
  }

  /** Only {@code complete} fails as if the database were unreachable. */
  public void completeDown(boolean down) {
    this.completeDown = down;
  }

  /** {@code complete} blocks until {@link #unhang()}. */
  public void hang() {
    this.hang = new CountDownLatch(1);
  }

  public void unhang() {
    CountDownLatch h = hang;
    hang = null;
    if (h != null) {
      h.countDown();
    }
  }

  /** {@code complete} fails for any batch holding a completion this matches. */
  public void refuse(Predicate<Completion> refuse) {
    this.refuse = refuse;
  }

  public int completeCalls() {
    return completeCalls.get();
  }

  private void check() {
    if (down) {
      throw new IllegalStateException("store unreachable (test)");
    }
  }

  @Override
  public EnqueueResult enqueue(Notification notification) {
    check();
    return inner.enqueue(notification);
  }

  @Override
  public boolean cancel(String idempotencyKey) {
    check();
    return inner.cancel(idempotencyKey);
  }

  @Override
  public ClaimBatch claim(ClaimRequest request) {
    check();
    return inner.claim(request);
  }

  @Override
  public List<Completion> complete(List<Completion> completions) {
    completeCalls.incrementAndGet();
    CountDownLatch h = hang;
    if (h != null) {
      // Like a read on a socket that never answers: an interrupt does not end it.
      boolean interrupted = false;
      while (h.getCount() > 0) {
        try {
          h.await();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    check();
    if (completeDown) {
      throw new IllegalStateException("store unreachable (test)");
    }
    if (completions.stream().anyMatch(refuse)) {
      throw new IllegalArgumentException("value refused by the store (test)");
    }
    return inner.complete(completions);
  }

  @Override
  public Optional<NotificationStatus> find(String idempotencyKey) {
    return inner.find(idempotencyKey);
  }

  @Override
  public void verify() {
    inner.verify();
  }

  @Override
  public Running start(Runnable wakeUp) {
    return inner.start(wakeUp);
  }
}
