package dev.herald.store;

import dev.herald.EnqueueResult;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where notifications wait and where outcomes are recorded: the engine's only shared state, and so
 * what coordinates several engine instances. {@code herald-outbox-jdbc} implements it on
 * PostgreSQL and H2; {@code InMemoryOutboxStore} in herald-testing serves tests.
 *
 * <p>Contract, which the engine relies on for its guarantees:
 * <ul>
 *   <li>{@link #enqueue} of a known idempotency key (pending, or finished within the dedup window)
 *       creates nothing and reports the existing notification, also under concurrent duplicates.
 *   <li>{@link #claim} hands each due delivery to at most one caller at a time, under a lease, with
 *       a fencing token that changes on every claim; a delivery whose lease expired is claimable
 *       again. Notifications for a recipient id are expanded to one delivery per active device of
 *       that recipient when they fall due, atomically and once. Due checks and leases use the
 *       store's clock (the database's), not the caller's.
 *   <li>Each delivery belongs to a {@link dev.herald.Scope}, recorded when the delivery is created
 *       (from the device's target, as the transports name it) and carried by the claimed
 *       {@link dev.herald.Delivery}. {@link #claim} returns no more of a scope than
 *       {@link ClaimRequest#limit(dev.herald.Scope)} allows, and no row of a scope listed at 0: its
 *       rows stay pending and unleased while the channel's other scopes are claimed as usual. A store
 *       that knows nothing of scopes gives every delivery its channel's one scope; the engine then
 *       puts back what it must hold back.
 *   <li>{@link #complete} applies a completion only if the delivery is still in flight under the
 *       same fencing token; otherwise it changes nothing and returns it as stale.
 *   <li>No call holds a lock or a transaction open after it returns.
 * </ul>
 * Implementations are thread-safe.
 */
public interface OutboxStore {

  /** Enqueues a notification unless its key is already known. Runs in its own transaction. */
  EnqueueResult enqueue(Notification notification);

  /** Enqueues several notifications in one transaction; results are in input order. */
  default List<EnqueueResult> enqueueAll(List<Notification> notifications) {
    List<EnqueueResult> results = new ArrayList<>(notifications.size());
    for (Notification n : notifications) {
      results.add(enqueue(n));
    }
    return results;
  }

  /**
   * Cancels what is not yet claimed of the notification with this key: its unexpanded notification
   * or its pending deliveries. A delivery already in flight is not interrupted.
   *
   * @return true when something was cancelled
   */
  boolean cancel(String idempotencyKey);

  /** Claims due deliveries under a lease; see the interface contract. */
  ClaimBatch claim(ClaimRequest request);

  /**
   * Records outcomes, each fenced by its token, in as few transactions as the store can.
   *
   * @return the completions that were stale (lease lost) and so changed nothing
   */
  List<Completion> complete(List<Completion> completions);

  /** The notification with this key and its deliveries, if the store still has it. */
  Optional<NotificationStatus> find(String idempotencyKey);

  /**
   * Checks that the store can serve an engine now, before the engine starts anything: for a
   * database, that the schema exists at the version this Herald needs. {@code Herald.start()}
   * calls it first and fails with its exception. The default checks nothing.
   *
   * @throws dev.herald.HeraldException (a subclass naming the problem) when the store cannot serve
   */
  default void verify() {}

  /**
   * Starts the store's own background work for an engine that starts now, and returns what stops
   * it: housekeeping such as purging and device pruning, and a wake-up listener that calls
   * {@code wakeUp} when new work may be due (a commit of an enqueue here or, where the database can
   * tell, in another process), so the engine claims it without waiting for its next poll. Wake-ups
   * are best effort; polling stays the safety net. Called by {@code Herald.start()} after
   * {@link #verify()}; the engine closes the returned handle when it closes. A store shared by
   * several engines in one process runs its work once, until the last of them has closed. The
   * default starts nothing.
   *
   * @param wakeUp fast and never throwing; may be called from any thread
   * @return stops what this call started; idempotent
   */
  default Running start(Runnable wakeUp) {
    return () -> {};
  }

  /** The handle {@link #start} returns: closing it stops that engine's share of the store's work. */
  @FunctionalInterface
  interface Running extends AutoCloseable {
    /** Stops; idempotent, never throws. */
    @Override
    void close();
  }
}
