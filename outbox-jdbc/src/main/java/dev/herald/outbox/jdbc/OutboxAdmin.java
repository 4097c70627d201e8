package dev.herald.outbox.jdbc;

import dev.herald.NotificationStatus;
import dev.herald.outbox.jdbc.internal.AdminStore;
import dev.herald.outbox.jdbc.internal.Migrator;
import dev.herald.outbox.jdbc.internal.OperatorReader;
import dev.herald.outbox.jdbc.internal.StatusReader;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jdbi.v3.core.JdbiException;

/**
 * The operator's view of an outbox: an overview per channel, a recipient's timeline, a notification
 * in detail, dead letters with their counting and re-queueing, counts per channel and state, lease
 * release for an instance known to be dead, device pruning. Obtained from {@link JdbcOutbox#admin()};
 * thread-safe. Every call is one short transaction, and every list is bounded (a limit, a page).
 *
 * <pre>{@code
 * OutboxAdmin admin = outbox.admin();
 * for (DeadLetter d : admin.deadLetters(DeadLetterQuery.all().withLimit(50))) {
 *   log.info("dead: {}", d);
 * }
 * int requeued = admin.requeue(DeadLetterQuery.diedBetween(outageStart, outageEnd));
 * }</pre>
 */
public final class OutboxAdmin {
  /** The most notifications one page of {@link #recipientTimeline} may hold. */
  public static final int MAX_TIMELINE_PAGE = 200;
  /** The most deliveries listed per notification in a {@link NotificationDetail}. */
  public static final int MAX_DELIVERIES_SHOWN = 50;
  /** The most devices listed in a {@link RecipientTimeline}. */
  public static final int MAX_DEVICES_SHOWN = 100;

  private final AdminStore store;
  private final StatusReader status;
  private final OperatorReader reader;
  private final java.util.function.Function<Supplier<?>, Object> guard;
  private final Migrator migrator;
  private final Runnable localWakeUp;
  private final Supplier<PrunedDevices> pruner;

  OutboxAdmin(AdminStore store, StatusReader status, OperatorReader reader, Migrator migrator, Runnable localWakeUp,
      Supplier<PrunedDevices> pruner, java.util.function.Function<Supplier<?>, Object> guard) {
    this.store = store;
    this.status = status;
    this.reader = reader;
    this.guard = guard;
    this.migrator = migrator;
    this.localWakeUp = localWakeUp;
    this.pruner = pruner;
  }

  /**
   * Dead letters matching the query, in its order (oldest death first unless
   * {@link DeadLetterQuery#orderNewestFirst()}), up to its limit.
   *
   * @throws OutboxException when the database cannot be read
   */
  public List<DeadLetter> deadLetters(DeadLetterQuery query) {
    Objects.requireNonNull(query, "query");
    return call(() -> store.deadLetters(query));
  }

  /**
   * Counts the dead letters matching the query, up to its limit: what {@link #requeue} would
   * re-queue now. The count's time, passed as {@code diedBefore}, re-queues only what was counted.
   *
   * @throws OutboxException when the database cannot be read
   */
  public DeadLetterCount countDeadLetters(DeadLetterQuery query) {
    Objects.requireNonNull(query, "query");
    return call(() -> store.countDeadLetters(query));
  }

  /**
   * Per channel: pending, due now, retrying, in flight, dead, finished within the last hour, the
   * oldest due age, and deliveries finished per minute over the last 30 minutes. Its cost follows
   * the open backlog and the last hour's traffic, not the size of the tables, and each count stops
   * at {@link OutboxOverview#COUNT_CAP} rows ({@link OutboxOverview#partial()} then says so).
   *
   * @throws OutboxException when the database cannot be read
   */
  public OutboxOverview overview() {
    return overview(OutboxOverview.COUNT_CAP);
  }

  /** The overview with another cap on each count: for tests. */
  OutboxOverview overview(int cap) {
    return call(() -> reader.overview(cap));
  }

  /**
   * One page of a recipient's notifications, newest first, each with its deliveries (attempts, the
   * provider's last raw error), and the recipient's devices with status, last seen and invalidation
   * reason.
   *
   * @param recipientId the recipient id, 1 to 255 printable characters
   * @param before only notifications with a smaller id (the previous page's
   *     {@link RecipientTimeline#nextBefore()}), or null for the newest
   * @param limit notifications per page, 1 to {@value #MAX_TIMELINE_PAGE}
   * @throws dev.herald.InvalidInputException when the recipient id is not a valid one
   * @throws IllegalArgumentException when the limit is out of range
   * @throws OutboxException when the database cannot be read
   */
  public RecipientTimeline recipientTimeline(String recipientId, Long before, int limit) {
    Objects.requireNonNull(recipientId, "recipientId");
    new dev.herald.Recipient.ById(recipientId);
    if (limit < 1 || limit > MAX_TIMELINE_PAGE) {
      throw new IllegalArgumentException("limit must be 1-" + MAX_TIMELINE_PAGE + ": " + limit);
    }
    long below = before == null ? Long.MAX_VALUE : before;
    return call(() -> reader.timeline(recipientId, below, limit, MAX_DELIVERIES_SHOWN, MAX_DEVICES_SHOWN));
  }

  /**
   * The notification that the idempotency key currently stands for, in detail.
   *
   * @throws OutboxException when the database cannot be read
   */
  public Optional<NotificationDetail> notification(String idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    return call(() -> reader.byKey(idempotencyKey, MAX_DELIVERIES_SHOWN));
  }

  /**
   * A notification by id, in detail (also one whose key has since been enqueued again).
   *
   * @throws OutboxException when the database cannot be read
   */
  public Optional<NotificationDetail> notification(long notificationId) {
    return call(() -> reader.byId(notificationId, MAX_DELIVERIES_SHOWN));
  }

  /**
   * Re-queues the dead letters matching the query (up to its limit): they become pending and due
   * now, with their attempt count reset and their age counted from now, so the retry policy grants
   * them a fresh budget of attempts and of time; the last error is kept. A notification's own
   * {@code expiresAt} still applies: one re-queued after it expired ends as expired.
   *
   * @return how many were re-queued
   */
  public int requeue(DeadLetterQuery query) {
    Objects.requireNonNull(query, "query");
    int n = call(() -> store.requeue(query));
    if (n > 0) {
      localWakeUp.run();
    }
    return n;
  }

  /**
   * Makes every delivery leased to {@code owner} claimable at once instead of when its lease ends:
   * for an instance known to have died. If that instance is in fact alive, its late completions are
   * discarded by the fencing token and it may have sent a delivery that another instance sends
   * again, so use this only for instances that are gone.
   *
   * @return how many deliveries were released
   */
  public int expireLeases(String owner) {
    Objects.requireNonNull(owner, "owner");
    int n = store.expireLeases(owner);
    if (n > 0) {
      localWakeUp.run();
    }
    return n;
  }

  /** Counts per channel and state with the oldest due age. Scans the delivery table: poll it gently. */
  public OutboxStats stats() {
    return store.stats();
  }

  /**
   * How much work is due and waiting for the engines, counted up to {@code atMost}: deliveries due
   * and not yet claimed plus due recipient notifications not yet expanded. Notifications scheduled
   * for later and deliveries in flight do not count. Cheap enough to ask every second (each count
   * stops at {@code atMost} rows of the open-work indexes), so a producer can hold back while the
   * engines catch up.
   *
   * @return a number from 0 to {@code atMost}
   * @throws IllegalArgumentException when {@code atMost} is below 1
   * @throws OutboxException when the database fails the call
   */
  public long backlog(long atMost) {
    if (atMost < 1) {
      throw new IllegalArgumentException("atMost must be >= 1: " + atMost);
    }
    try {
      return store.backlog(atMost);
    } catch (JdbiException e) {
      throw new OutboxException("backlog failed: " + e.getMessage(), e);
    }
  }

  /** A notification by its id (also one whose key has since been enqueued again). */
  public Optional<NotificationStatus> find(long notificationId) {
    return status.byId(notificationId);
  }

  /**
   * Prunes devices by the database's clock: marks active devices not seen for
   * {@link JdbcOutbox.Builder#staleAfter staleAfter} stale (expansion leaves them out until they
   * register or touch again), then deletes invalid and retired devices invalidated more than
   * {@link JdbcOutbox.Builder#deviceRetention deviceRetention} ago and stale devices not seen for
   * {@code staleAfter + deviceRetention}, finishing any delivery still pending to them. Runs by
   * itself with every purge ({@link JdbcOutbox.Builder#purgeInterval purgeInterval}); call it to
   * prune on your own schedule. Small batches, one transaction each; safe on several instances at once.
   *
   * @return how many devices were marked stale and how many deleted
   */
  public PrunedDevices pruneDevices() {
    return pruner.get();
  }

  @SuppressWarnings("unchecked")
  private <T> T call(Supplier<T> body) {
    return (T) guard.apply(body);
  }

  /** The schema version recorded in the database; 0 when the schema does not exist. */
  public int schemaVersion() {
    return migrator.currentVersion();
  }
}
