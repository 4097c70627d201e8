package dev.herald.testing.internal;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The last {@code limit} items and a count of all of them: a fake's memory of a long run stays bounded. Thread-safe. */
public final class History<T> {
  private final int limit;
  private final ArrayDeque<T> items = new ArrayDeque<>();
  private final AtomicLong total = new AtomicLong();

  /** A history of at most {@code limit} items (0 keeps none). */
  public History(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0: " + limit);
    }
    this.limit = limit;
  }

  /** Adds an item, forgetting the oldest beyond the limit. */
  public void add(T item) {
    total.incrementAndGet();
    if (limit == 0) {
      return;
    }
    synchronized (items) {
      if (items.size() == limit) {
        items.removeFirst();
      }
      items.addLast(item);
    }
  }

  /** The items kept, oldest first. */
  public List<T> items() {
    synchronized (items) {
      return List.copyOf(items);
    }
  }

  /** How many were ever added. */
  public long total() {
    return total.get();
  }
}
