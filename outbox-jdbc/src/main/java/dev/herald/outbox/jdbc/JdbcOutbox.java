package dev.herald.outbox.jdbc;

import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.EnqueueResult;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.outbox.jdbc.internal.AdminStore;
import dev.herald.outbox.jdbc.internal.Canceller;
import dev.herald.outbox.jdbc.internal.Claimer;
import dev.herald.outbox.jdbc.internal.Completer;
import dev.herald.outbox.jdbc.internal.DeviceStore;
import dev.herald.outbox.jdbc.internal.Dialect;
import dev.herald.outbox.jdbc.internal.Enqueuer;
import dev.herald.outbox.jdbc.internal.Jdbc;
import dev.herald.outbox.jdbc.internal.Migrator;
import dev.herald.outbox.jdbc.internal.OperatorReader;
import dev.herald.outbox.jdbc.internal.PgNotifyListener;
import dev.herald.outbox.jdbc.internal.Purger;
import dev.herald.outbox.jdbc.internal.StatusReader;
import dev.herald.outbox.jdbc.internal.Tables;
import dev.herald.store.ClaimBatch;
import dev.herald.store.ClaimRequest;
import dev.herald.store.Completion;
import dev.herald.spi.DeviceRegistry;
import dev.herald.spi.InputValidator;
import dev.herald.store.OutboxStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.StatementException;
import org.jdbi.v3.core.statement.StatementExceptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional outbox on PostgreSQL or H2, over any {@link DataSource}: Herald's
 * {@link OutboxStore} and the {@link DeviceRegistry} that recipient notifications expand to.
 *
 * <p>Notifications are enqueued in the host's own transaction ({@link #enqueue(Connection, Notification)},
 * {@link #enqueue(Handle, Notification)}) and exist only if it commits; an idempotency key that is
 * pending, or finished within the dedup window, is never enqueued twice. Engines claim due
 * deliveries with {@code FOR UPDATE SKIP LOCKED} under a lease and a fencing token, and record
 * outcomes in one fenced statement per batch. On PostgreSQL each enqueue commit sends a
 * {@code NOTIFY} that wakes subscribed engines within milliseconds; polling remains the safety net.
 *
 * <p>Devices are registered, touched and unregistered either in a transaction of their own or in
 * the host's ({@link #register(Connection, String, DeviceTarget)} and the other {@code Connection}
 * and {@link Handle} overloads). A device that a push service reports gone is invalidated in the
 * same transaction that records the outcome, and its other pending deliveries are finished as
 * target gone; devices not seen for {@link Builder#staleAfter(Duration)} are marked stale and left
 * out of expansion, and devices that stopped receiving sends are deleted after
 * {@link Builder#deviceRetention(Duration)} ({@link OutboxAdmin#pruneDevices()}).
 *
 * <p>Give the outbox the same checks the transports apply, so that a notification or device they
 * would refuse (a Web Push endpoint the endpoint policy forbids, a payload over the channel's limit)
 * fails when it is enqueued or registered, with nothing stored, rather than later as a dead letter:
 *
 * <pre>{@code
 * JdbcOutbox outbox = JdbcOutbox.builder(dataSource)
 *     .validator(InputValidator.of(List.of(fcm, webPush)))   // the transports the engines use
 *     .dedupWindow(Duration.ofDays(7))
 *     .build();
 * outbox.migrate();                       // once at start-up; safe on every instance
 *
 * try (Connection c = dataSource.getConnection()) {
 *   c.setAutoCommit(false);
 *   saveOrder(c, order);
 *   outbox.enqueue(c, Notification.builder("order-" + order.id() + ":placed")
 *       .recipient(Recipient.id(order.customerId()))
 *       .title("Order placed").build());
 *   c.commit();                           // the notification exists iff this commits
 * }
 * }</pre>
 *
 * <p>Thread-safe. Holds no connection between calls except, on PostgreSQL once an engine has
 * subscribed, the one its wake-up listener keeps. {@link #close()} stops that listener and the
 * purge thread; it does not close the DataSource.
 */
public final class JdbcOutbox implements OutboxStore, JdbcDeviceRegistry, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcOutbox.class);

  /** Default of {@link Builder#staleAfter(Duration)}: 60 days. */
  public static final Duration DEFAULT_STALE_AFTER = Duration.ofDays(60);

  /** Default of {@link Builder#deviceRetention(Duration)}: 30 days. */
  public static final Duration DEFAULT_DEVICE_RETENTION = Duration.ofDays(30);

  private final DataSource dataSource;
  private final Dialect dialect;
  private final Tables tables;
  private final Duration dedupWindow;
  private final Duration retention;
  private final Duration purgeInterval;
  private final Duration staleAfter;
  private final Duration deviceRetention;
  private final int purgeBatchSize;
  private final InputValidator validator;
  private final boolean listenNotify;
  private final Migrator migrator;
  private final Enqueuer enqueuer;
  private final Claimer claimer;
  private final Completer completer;
  private final Canceller canceller;
  private final DeviceStore devices;
  private final StatusReader status;
  private final Purger purger;
  private final OutboxAdmin admin;
  private final Jdbi jdbi;
  private final CopyOnWriteArrayList<Runnable> subscribers = new CopyOnWriteArrayList<>();
  private final Object lifecycle = new Object();
  private PgNotifyListener listener;
  private ScheduledExecutorService housekeeping;
  private int started;
  private volatile boolean schemaVerified;
  private volatile boolean closed;

  private JdbcOutbox(Builder b, Dialect dialect) {
    this.dataSource = b.dataSource;
    this.dialect = dialect;
    this.tables = new Tables(b.tablePrefix);
    this.dedupWindow = b.dedupWindow;
    this.retention = b.retention;
    this.purgeInterval = b.purgeInterval;
    this.staleAfter = b.staleAfter;
    this.deviceRetention = b.deviceRetention;
    this.purgeBatchSize = b.purgeBatchSize;
    this.validator = b.validator;
    this.listenNotify = b.listenNotify;
    this.jdbi = Jdbi.create(dataSource);
    // Messages carry the start of the statement, never bound values (keys, recipient ids, payloads).
    jdbi.getConfig(StatementExceptions.class).setMessageRendering(JdbcOutbox::renderFailure);
    dialect.configure(jdbi);
    this.migrator = new Migrator(jdbi, dialect, tables);
    java.util.function.Function<DeviceTarget, String> scopeName = target -> validator.scope(target).name();
    this.enqueuer = new Enqueuer(tables, dialect, dedupWindow, scopeName);
    this.claimer = new Claimer(jdbi, dialect, tables, b.expansionBatchSize, validator::scope);
    this.devices = new DeviceStore(jdbi, dialect, tables, scopeName);
    this.canceller = new Canceller(tables);
    this.completer = new Completer(jdbi, dialect, tables, devices);
    this.status = new StatusReader(jdbi, tables);
    this.purger = new Purger(jdbi, dialect, tables, retention, dedupWindow, b.purgeBatchSize);
    this.admin = new OutboxAdmin(new AdminStore(jdbi, dialect, tables), status, new OperatorReader(jdbi, tables), migrator,
        this::wakeLocal, () -> call("prune devices", () -> devices.prune(staleAfter, deviceRetention, purgeBatchSize)),
        body -> call("operator query", body));
  }

  /** Starts a builder for an outbox on this DataSource. */
  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  // ---------------------------------------------------------------- schema

  /**
   * Creates or upgrades the outbox tables to the version this Herald needs. Idempotent, and safe
   * when several instances call it at once (on PostgreSQL they queue on an advisory lock and the
   * whole migration is one transaction).
   *
   * @return how many migration scripts were applied (0 when the schema was current)
   * @throws OutboxSchemaException when the schema is newer than this Herald
   */
  public int migrate() {
    checkOpen();
    int applied = migrator.migrate();
    schemaVerified = true;
    return applied;
  }

  /**
   * Checks that the schema exists at the version this Herald needs; call it at start-up to fail
   * fast. Every other method checks once by itself too.
   *
   * @throws OutboxSchemaException saying what to do (usually: call {@link #migrate()})
   */
  public void verifySchema() {
    checkOpen();
    migrator.verify();
    schemaVerified = true;
  }

  // ---------------------------------------------------------------- enqueue

  /**
   * Enqueues in a transaction of its own on the DataSource; see {@link OutboxStore#enqueue}.
   *
   * @throws InvalidInputException when the {@link Builder#validator(InputValidator) validator}
   *     refuses the notification; nothing is stored then
   */
  @Override
  public EnqueueResult enqueue(Notification notification) {
    return enqueueAll(List.of(Objects.requireNonNull(notification, "notification"))).get(0);
  }

  /**
   * Enqueues several notifications in one transaction of its own; results are in input order. A
   * key repeated within the list is created once and reported as a duplicate after that.
   */
  @Override
  public List<EnqueueResult> enqueueAll(List<Notification> notifications) {
    List<Notification> ns = checked(notifications);
    ensureSchema();
    try (Connection c = dataSource.getConnection()) {
      return enqueueOwnTransaction(c, ns);
    } catch (SQLException e) {
      throw new OutboxException("enqueue failed: " + e.getMessage(), e);
    }
  }

  /**
   * Enqueues within the caller's transaction on {@code connection}: the notification exists iff
   * that transaction commits. Herald never commits, rolls back or closes the connection; if the
   * connection is in auto-commit mode the enqueue runs in a transaction of its own on it.
   *
   * <p>Use the default READ COMMITTED isolation: under REPEATABLE READ or SERIALIZABLE a concurrent
   * duplicate of the same key surfaces as the database's serialization failure, which the caller
   * retries like any other.
   *
   * @throws InvalidInputException when the {@link Builder#validator(InputValidator) validator}
   *     refuses a notification; nothing is written on the connection then
   */
  public EnqueueResult enqueue(Connection connection, Notification notification) {
    return enqueueAll(connection, List.of(Objects.requireNonNull(notification, "notification"))).get(0);
  }

  /** Enqueues several notifications within the caller's transaction; see {@link #enqueue(Connection, Notification)}. */
  public List<EnqueueResult> enqueueAll(Connection connection, List<Notification> notifications) {
    Objects.requireNonNull(connection, "connection");
    List<Notification> ns = checked(notifications);
    ensureSchema();
    try {
      if (connection.getAutoCommit()) {
        return enqueueOwnTransaction(connection, ns);
      }
      Enqueuer.Outcome o = enqueuer.enqueue(connection, ns);
      if (o.recipients()) {
        claimer.hintExpansion(); // harmless if the caller rolls back: one extra probe
      }
      return o.results();
    } catch (SQLException e) {
      throw new OutboxException("enqueue failed: " + e.getMessage(), e);
    }
  }

  /** Enqueues within the transaction of a jdbi handle; see {@link #enqueue(Connection, Notification)}. */
  public EnqueueResult enqueue(Handle handle, Notification notification) {
    Objects.requireNonNull(handle, "handle");
    return enqueue(handle.getConnection(), notification);
  }

  /** Enqueues several notifications within the transaction of a jdbi handle. */
  public List<EnqueueResult> enqueueAll(Handle handle, List<Notification> notifications) {
    Objects.requireNonNull(handle, "handle");
    return enqueueAll(handle.getConnection(), notifications);
  }

  private List<EnqueueResult> enqueueOwnTransaction(Connection c, List<Notification> ns) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      Enqueuer.Outcome o = enqueuer.enqueue(c, ns);
      c.commit();
      if (o.recipients()) {
        claimer.hintExpansion();
      }
      if (o.wakeUp()) {
        wakeLocal();
      }
      return o.results();
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  private List<Notification> checked(List<Notification> notifications) {
    checkOpen();
    Objects.requireNonNull(notifications, "notifications");
    List<Notification> copy = new ArrayList<>(notifications.size());
    for (int i = 0; i < notifications.size(); i++) {
      copy.add(Objects.requireNonNull(notifications.get(i), "notifications[" + i + "]"));
    }
    // All of them before any row is written: one refused notification stores none of the batch.
    for (Notification n : copy) {
      validator.validate(n);
    }
    return copy;
  }

  /** Cancels with the reason "cancelled by the host"; see {@link OutboxStore#cancel}. */
  @Override
  public boolean cancel(String idempotencyKey) {
    return cancel(idempotencyKey, "cancelled by the host");
  }

  /**
   * Cancels what is not yet claimed of the notification with this key, recording {@code reason}, in
   * a transaction of its own. A delivery already in flight is not interrupted.
   *
   * @return true when something was cancelled
   */
  public boolean cancel(String idempotencyKey, String reason) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(reason, "reason");
    if (!storableKey(idempotencyKey)) {
      checkOpen();
      return false; // no such key can have been enqueued
    }
    return inOwnTransaction("cancel", c -> canceller.cancel(c, idempotencyKey, reason));
  }

  /**
   * Cancels within the caller's transaction on {@code connection}, with the reason "cancelled by the
   * host"; see {@link #cancel(Connection, String, String)}.
   */
  public boolean cancel(Connection connection, String idempotencyKey) {
    return cancel(connection, idempotencyKey, "cancelled by the host");
  }

  /**
   * Cancels what is not yet claimed of the notification with this key within the caller's
   * transaction on {@code connection}: the cancellation exists iff that transaction commits, and a
   * notification enqueued earlier in the same transaction is cancelled too. Herald never commits,
   * rolls back or closes the connection; in auto-commit mode the call runs in a transaction of its
   * own on it. A delivery already in flight is not interrupted; cancelling twice, or a key that is
   * unknown, is a no-op.
   *
   * @return true when something was cancelled
   */
  public boolean cancel(Connection connection, String idempotencyKey, String reason) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(reason, "reason");
    if (!storableKey(idempotencyKey)) {
      Objects.requireNonNull(connection, "connection");
      checkOpen();
      return false; // no such key can have been enqueued
    }
    return inCallerTransaction(connection, "cancel", c -> canceller.cancel(c, idempotencyKey, reason));
  }

  /** Cancels within the transaction of a jdbi handle; see {@link #cancel(Connection, String)}. */
  public boolean cancel(Handle handle, String idempotencyKey) {
    Objects.requireNonNull(handle, "handle");
    return cancel(handle.getConnection(), idempotencyKey);
  }

  /** Cancels within the transaction of a jdbi handle; see {@link #cancel(Connection, String, String)}. */
  public boolean cancel(Handle handle, String idempotencyKey, String reason) {
    Objects.requireNonNull(handle, "handle");
    return cancel(handle.getConnection(), idempotencyKey, reason);
  }

  // ---------------------------------------------------------------- engine side

  /** Expands due recipient notifications and claims due deliveries; see {@link OutboxStore#claim}. */
  @Override
  public ClaimBatch claim(ClaimRequest request) {
    Objects.requireNonNull(request, "request");
    return call("claim", () -> claimer.claim(request));
  }

  /** Records outcomes in one fenced statement; see {@link OutboxStore#complete}. */
  @Override
  public List<Completion> complete(List<Completion> completions) {
    Objects.requireNonNull(completions, "completions");
    if (completions.isEmpty()) {
      return List.of();
    }
    return call("complete", () -> completer.complete(completions));
  }

  /** The current notification of this key and its deliveries. */
  @Override
  public Optional<NotificationStatus> find(String idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    if (!storableKey(idempotencyKey)) {
      checkOpen();
      return Optional.empty(); // no such key can have been enqueued
    }
    return call("find", () -> status.byKey(idempotencyKey));
  }

  /**
   * Checks the schema; see {@link #verifySchema()}. The engine calls it when it starts.
   *
   * @throws OutboxSchemaException saying what to do (usually: call {@link #migrate()})
   */
  @Override
  public void verify() {
    verifySchema();
  }

  /**
   * Starts this outbox's background work for an engine: on PostgreSQL with
   * {@link Builder#listenNotify(boolean)} the LISTEN connection, and, unless
   * {@link Builder#purgeInterval(Duration)} is zero, purging and device pruning every purge interval.
   * {@code wakeUp} is called when work may have become due: at once after an enqueue or re-queue by
   * this instance commits, and on a NOTIFY from any instance's enqueue. Engines sharing this outbox
   * share its work, which stops when the last of them closes its handle (or the outbox is closed).
   *
   * @throws OutboxSchemaException when the schema is missing or of another version
   * @throws IllegalStateException when the outbox is closed
   */
  @Override
  public Running start(Runnable wakeUp) {
    Objects.requireNonNull(wakeUp, "wakeUp");
    checkOpen();
    verifySchema();
    synchronized (lifecycle) {
      checkOpen();
      subscribers.add(wakeUp);
      if (started++ == 0) {
        startListener();
        startHousekeeping();
      }
    }
    AtomicBoolean stopped = new AtomicBoolean();
    return () -> {
      if (stopped.compareAndSet(false, true)) {
        subscribers.remove(wakeUp);
        stopBackgroundWork(false);
      }
    };
  }

  /** Whether the PostgreSQL wake-up listener is connected right now. */
  public boolean listening() {
    synchronized (lifecycle) {
      return listener != null && listener.listening();
    }
  }

  /**
   * Deletes finished notifications older than the retention, in small batches, and forgets
   * idempotency keys whose dedup window has passed. Runs by itself every
   * {@link Builder#purgeInterval(Duration)} while an engine runs on this outbox, together with
   * {@link OutboxAdmin#pruneDevices()}; call it directly to purge on your own schedule.
   *
   * @return how many notifications were deleted
   */
  public int purge() {
    return call("purge", () -> purger.purge().notifications());
  }

  /** The operator API: dead letters, re-queue, stats. */
  public OutboxAdmin admin() {
    checkOpen();
    return admin;
  }

  // ---------------------------------------------------------------- devices

  /**
   * Registers or refreshes a device in a transaction of its own; see
   * {@link DeviceRegistry#register(String, DeviceTarget)}. The device becomes active (an invalid,
   * stale or retired one is revived), its last-seen time is the database's now, and one that was
   * registered to another recipient moves here, its pending deliveries for that recipient finished.
   *
   * @throws InvalidInputException when the recipient id is invalid or the validator refuses the
   *     target; nothing is stored then
   */
  @Override
  public Device register(String recipientId, DeviceTarget target) {
    checkDevice(recipientId, target);
    return inOwnTransaction("register device", c -> devices.register(c, recipientId, target, null));
  }

  /**
   * Registers {@code target} and retires {@code replaces} in one transaction of its own; see
   * {@link DeviceRegistry#register(String, DeviceTarget, DeviceTarget)}. The replaced device (if
   * registered, under whichever recipient) becomes {@link Device.Status#RETIRED} at once and its
   * pending deliveries are finished, so an app instance moving from a legacy FCM token to an
   * installation id is never sent to twice.
   *
   * @throws InvalidInputException when the recipient id is invalid or the validator refuses the
   *     target; nothing is stored then
   */
  @Override
  public Device register(String recipientId, DeviceTarget target, DeviceTarget replaces) {
    checkDevice(recipientId, target);
    Objects.requireNonNull(replaces, "replaces");
    return inOwnTransaction("register device", c -> devices.register(c, recipientId, target, replaces));
  }

  /**
   * Registers or refreshes a device within the caller's transaction on {@code connection}, as
   * {@link #register(String, DeviceTarget)} does: the change exists iff that transaction commits.
   * Herald never commits, rolls back or closes the connection; in auto-commit mode the call runs in
   * a transaction of its own on it.
   */
  public Device register(Connection connection, String recipientId, DeviceTarget target) {
    checkDevice(recipientId, target);
    return inCallerTransaction(connection, "register device", c -> devices.register(c, recipientId, target, null));
  }

  /**
   * Registers {@code target} and retires {@code replaces} within the caller's transaction; see
   * {@link #register(String, DeviceTarget, DeviceTarget)} and {@link #register(Connection, String, DeviceTarget)}.
   */
  public Device register(Connection connection, String recipientId, DeviceTarget target, DeviceTarget replaces) {
    checkDevice(recipientId, target);
    Objects.requireNonNull(replaces, "replaces");
    return inCallerTransaction(connection, "register device", c -> devices.register(c, recipientId, target, replaces));
  }

  /** Registers within the transaction of a jdbi handle; see {@link #register(Connection, String, DeviceTarget)}. */
  public Device register(Handle handle, String recipientId, DeviceTarget target) {
    Objects.requireNonNull(handle, "handle");
    return register(handle.getConnection(), recipientId, target);
  }

  /** Registers and retires within the transaction of a jdbi handle; see {@link #register(Connection, String, DeviceTarget, DeviceTarget)}. */
  public Device register(Handle handle, String recipientId, DeviceTarget target, DeviceTarget replaces) {
    Objects.requireNonNull(handle, "handle");
    return register(handle.getConnection(), recipientId, target, replaces);
  }

  /**
   * Sets the device's last-seen time to the database's now and revives it if it was stale, in a
   * transaction of its own. An invalid or retired device stays so: only {@link #register} revives
   * it.
   *
   * @return false when the device is unknown (never registered, unregistered or pruned): register it
   */
  @Override
  public boolean touch(DeviceTarget target) {
    Objects.requireNonNull(target, "target");
    return inOwnTransaction("touch device", c -> devices.touch(c, target));
  }

  /** {@link #touch(DeviceTarget)} within the caller's transaction on {@code connection}. */
  public boolean touch(Connection connection, DeviceTarget target) {
    Objects.requireNonNull(target, "target");
    return inCallerTransaction(connection, "touch device", c -> devices.touch(c, target));
  }

  /** {@link #touch(DeviceTarget)} within the transaction of a jdbi handle. */
  public boolean touch(Handle handle, DeviceTarget target) {
    Objects.requireNonNull(handle, "handle");
    return touch(handle.getConnection(), target);
  }

  /**
   * Deletes the device in a transaction of its own, finishing its pending deliveries as target
   * gone.
   *
   * @return false when it was unknown
   */
  @Override
  public boolean unregister(DeviceTarget target) {
    Objects.requireNonNull(target, "target");
    return inOwnTransaction("unregister device", c -> devices.unregister(c, target));
  }

  /** {@link #unregister(DeviceTarget)} within the caller's transaction on {@code connection}. */
  public boolean unregister(Connection connection, DeviceTarget target) {
    Objects.requireNonNull(target, "target");
    return inCallerTransaction(connection, "unregister device", c -> devices.unregister(c, target));
  }

  /** {@link #unregister(DeviceTarget)} within the transaction of a jdbi handle. */
  public boolean unregister(Handle handle, DeviceTarget target) {
    Objects.requireNonNull(handle, "handle");
    return unregister(handle.getConnection(), target);
  }

  /** Every device of the recipient, whatever its status, in registration order. */
  @Override
  public List<Device> devices(String recipientId) {
    Objects.requireNonNull(recipientId, "recipientId");
    return call("list devices", () -> devices.devices(recipientId));
  }

  /** The device with this channel and address, whatever its status. */
  @Override
  public Optional<Device> find(DeviceTarget target) {
    Objects.requireNonNull(target, "target");
    return call("find device", () -> devices.find(target));
  }

  private void checkDevice(String recipientId, DeviceTarget target) {
    checkOpen();
    Objects.requireNonNull(target, "target");
    DeviceStore.checkRecipient(recipientId);
    validator.validate(target);
  }

  /** Work on a connection inside a transaction someone else manages. */
  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T inOwnTransaction(String what, SqlWork<T> work) {
    checkOpen();
    ensureSchema();
    try (Connection c = dataSource.getConnection()) {
      return ownTransaction(c, work);
    } catch (SQLException e) {
      throw new OutboxException(what + " failed: " + Jdbc.describe(e), e);
    }
  }

  private <T> T inCallerTransaction(Connection connection, String what, SqlWork<T> work) {
    Objects.requireNonNull(connection, "connection");
    checkOpen();
    ensureSchema();
    try {
      return connection.getAutoCommit() ? ownTransaction(connection, work) : work.run(connection);
    } catch (SQLException e) {
      throw new OutboxException(what + " failed: " + Jdbc.describe(e), e);
    }
  }

  private static <T> T ownTransaction(Connection c, SqlWork<T> work) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      T result = work.run(c);
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** The database this outbox runs on (detected or named). */
  public Database database() {
    return dialect.database();
  }

  /** The table prefix in use. */
  public String tablePrefix() {
    return tables.prefix();
  }

  /** Stops the wake-up listener and the purge thread. Idempotent; the DataSource stays open. */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    stopBackgroundWork(true);
  }

  /** Stops the listener and housekeeping when the last engine leaves, or at once on close. */
  private void stopBackgroundWork(boolean all) {
    PgNotifyListener l;
    ScheduledExecutorService h;
    synchronized (lifecycle) {
      started = all ? 0 : Math.max(0, started - 1);
      if (started > 0) {
        return;
      }
      l = listener;
      h = housekeeping;
      listener = null;
      housekeeping = null;
    }
    if (all) {
      subscribers.clear();
    }
    if (l != null) {
      l.close();
    }
    if (h != null) {
      h.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "JdbcOutbox[" + dialect.name() + ", prefix=" + tables.prefix() + "]";
  }

  private void wakeLocal() {
    for (Runnable r : subscribers) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("Herald outbox: a wake-up subscriber threw; ignored", e);
      }
    }
  }

  private void startListener() {
    if (!listenNotify || !dialect.supportsNotify()) {
      return;
    }
    synchronized (lifecycle) {
      if (listener != null || closed) {
        return;
      }
      try {
        listener = new PgNotifyListener(dataSource, tables.notifyChannel(), recipients -> {
          if (recipients) {
            claimer.hintExpansion();
          }
          wakeLocal();
        });
        listener.start();
      } catch (NoClassDefFoundError e) {
        LOG.warn("Herald outbox: the PostgreSQL JDBC driver (org.postgresql) is not on the classpath, so "
            + "LISTEN/NOTIFY wake-ups are off and engines rely on polling");
      }
    }
  }

  private void startHousekeeping() {
    if (purgeInterval.isZero()) {
      return;
    }
    synchronized (lifecycle) {
      if (housekeeping != null || closed) {
        return;
      }
      housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "herald-outbox-purge-" + tables.prefix());
        t.setDaemon(true);
        return t;
      });
      housekeeping.scheduleWithFixedDelay(this::purgeQuietly, purgeInterval.toMillis(), purgeInterval.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  private void purgeQuietly() {
    try {
      Purger.Result r = purger.purge();
      if (r.notifications() > 0 || r.keys() > 0) {
        LOG.debug("Herald outbox: purged {} notifications and {} idempotency keys", r.notifications(), r.keys());
      }
    } catch (RuntimeException e) {
      LOG.warn("Herald outbox: purge failed ({}); trying again in {}", e.toString(), purgeInterval);
    }
    try {
      PrunedDevices p = devices.prune(staleAfter, deviceRetention, purgeBatchSize);
      if (p.markedStale() > 0 || p.deleted() > 0) {
        LOG.info("Herald outbox: marked {} devices stale (not seen for {}), deleted {} devices", p.markedStale(),
            staleAfter, p.deleted());
      }
    } catch (RuntimeException e) {
      LOG.warn("Herald outbox: device pruning failed ({}); trying again in {}", e.toString(), purgeInterval);
    }
  }

  private static String renderFailure(StatementException e) {
    String sql = e.getStatementContext() == null ? null : e.getStatementContext().getRawSql();
    if (sql == null) {
      return e.getShortMessage();
    }
    String shortSql = sql.length() > 80 ? sql.substring(0, 80) + "…" : sql;
    return e.getShortMessage() + " [statement: " + shortSql + "]";
  }

  /** Whether a notification could have this key: a query with any other (a NUL byte) would fail on PostgreSQL. */
  private static boolean storableKey(String key) {
    return !key.isEmpty() && key.length() <= Notification.MAX_KEY_LENGTH && dev.herald.internal.Checks.identifier(key);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("JdbcOutbox is closed: build a new one to use the outbox again");
    }
  }

  private void ensureSchema() {
    if (!schemaVerified) {
      migrator.verify();
      schemaVerified = true;
    }
  }

  private <T> T call(String what, Supplier<T> body) {
    checkOpen();
    ensureSchema();
    try {
      return body.get();
    } catch (JdbiException e) {
      throw new OutboxException(what + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Configures a {@link JdbcOutbox}. Setters validate single values; {@link #build()} the rest.
   * Not thread-safe.
   */
  public static final class Builder {
    /** Longest {@code dedupWindow}, {@code retention}, {@code staleAfter} and {@code deviceRetention}: ten years. */
    public static final Duration MAX_PERIOD = Duration.ofDays(3650);
    /** Longest {@code purgeInterval}: one day. */
    public static final Duration MAX_PURGE_INTERVAL = Duration.ofDays(1);

    private final DataSource dataSource;
    private Dialect dialect;
    private String tablePrefix = "herald_";
    private Duration dedupWindow = Duration.ofDays(7);
    private Duration retention = Duration.ofDays(7);
    private Duration purgeInterval = Duration.ofMinutes(10);
    private boolean listenNotify = true;
    private int purgeBatchSize = 500;
    private int expansionBatchSize = 500;
    private Duration staleAfter = DEFAULT_STALE_AFTER;
    private Duration deviceRetention = DEFAULT_DEVICE_RETENTION;
    private InputValidator validator; // required at build()

    private Builder(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** The database; default detected from the DataSource's product name at {@link #build()}. */
    public Builder database(Database database) {
      this.dialect = Dialect.of(Objects.requireNonNull(database, "database"));
      return this;
    }

    /**
     * Prefix of every table, sequence and NOTIFY channel; default {@code herald_}. Lets several
     * outboxes share one database schema.
     */
    public Builder tablePrefix(String tablePrefix) {
      Objects.requireNonNull(tablePrefix, "tablePrefix");
      if (!Tables.valid(tablePrefix)) {
        throw new IllegalArgumentException("tablePrefix must be 1-32 of [a-z0-9_] starting with a letter: " + tablePrefix);
      }
      this.tablePrefix = tablePrefix;
      return this;
    }

    /**
     * How long a finished notification's idempotency key stays known, so that enqueueing it again
     * is a no-op; default 7 days, at most {@link #MAX_PERIOD}. Zero forgets a key as soon as its
     * notification finishes.
     */
    public Builder dedupWindow(Duration dedupWindow) {
      this.dedupWindow = nonNegative(dedupWindow, "dedupWindow", MAX_PERIOD);
      return this;
    }

    /**
     * How long finished notifications and their deliveries are kept (for {@link #find}, dead
     * letters and stats) before {@link JdbcOutbox#purge()} deletes them; default 7 days. Their keys
     * stay known for the dedup window either way. At most {@link #MAX_PERIOD}.
     */
    public Builder retention(Duration retention) {
      this.retention = nonNegative(retention, "retention", MAX_PERIOD);
      return this;
    }

    /**
     * How often an instance whose engine runs (see {@link JdbcOutbox#start}) runs {@link JdbcOutbox#purge()}
     * and {@link OutboxAdmin#pruneDevices()}; default 10 minutes, otherwise 1 ms to one day.
     * {@link Duration#ZERO} turns the built-in schedule off.
     */
    public Builder purgeInterval(Duration purgeInterval) {
      Duration d = nonNegative(purgeInterval, "purgeInterval", MAX_PURGE_INTERVAL);
      if (!d.isZero() && d.compareTo(Duration.ofMillis(1)) < 0) {
        throw new IllegalArgumentException("purgeInterval must be zero (off) or between PT0.001S and "
            + MAX_PURGE_INTERVAL + ": " + d);
      }
      this.purgeInterval = d;
      return this;
    }

    /**
     * Whether to wake subscribed engines through PostgreSQL LISTEN/NOTIFY (one held connection per
     * outbox); default true. Ignored on databases without NOTIFY.
     */
    public Builder listenNotify(boolean listenNotify) {
      this.listenNotify = listenNotify;
      return this;
    }

    /**
     * The checks every notification passes before it is enqueued (by any {@code enqueue} or
     * {@code enqueueAll} method, before a row is written) and every device target before it is
     * registered. Hosts pass the transports their engines use, {@code InputValidator.of(List.of(fcm, webPush))},
     * so that what a transport would refuse (a Web Push endpoint outside the endpoint policy, a
     * payload over the channel's size limit, a channel no transport serves) fails at once with an
     * {@link InvalidInputException} naming the field, and nothing is stored.
     *
     * <p>Required, so that it cannot be forgotten: {@link JdbcHerald} derives it from its transports.
     * Pass {@link InputValidator#none()} to choose deliberately that only the model's own checks apply
     * (input a transport refuses is then stored and fails at send time, as a dead letter).
     */
    public Builder validator(InputValidator validator) {
      this.validator = Objects.requireNonNull(validator, "validator");
      return this;
    }

    /**
     * How long an active device may go unseen (no {@code register} or {@code touch}) before pruning
     * marks it {@link Device.Status#STALE stale}; a stale device is left out of expansion until it
     * registers or touches again. Default 60 days (FCM considers a token stale after a month and
     * expires Android tokens after 270 days of inactivity). Must be positive, at most {@link #MAX_PERIOD}.
     */
    public Builder staleAfter(Duration staleAfter) {
      this.staleAfter = positive(staleAfter, "staleAfter", MAX_PERIOD);
      return this;
    }

    /**
     * How long a device that stopped receiving sends is kept (for {@link JdbcOutbox#find(DeviceTarget)}
     * and the host's own investigation) before pruning deletes it: an invalid or retired device
     * this long after it was invalidated or retired, a stale device once it has not been seen for
     * {@link #staleAfter(Duration)} plus this. Default 30 days, so an unused device disappears
     * 90 days after it was last seen; a deleted device that comes back simply registers again.
     * Zero deletes invalid and retired devices at the next pruning pass. At most {@link #MAX_PERIOD}.
     */
    public Builder deviceRetention(Duration deviceRetention) {
      this.deviceRetention = nonNegative(deviceRetention, "deviceRetention", MAX_PERIOD);
      return this;
    }

    /** Rows deleted per purge transaction (also devices pruned per transaction); default 500, 1 to 10,000. */
    public Builder purgeBatchSize(int purgeBatchSize) {
      this.purgeBatchSize = batchSize(purgeBatchSize, "purgeBatchSize");
      return this;
    }

    /**
     * Most recipient notifications expanded per claim (capped by the claim's total limit);
     * default 500, 1 to 10,000.
     */
    public Builder expansionBatchSize(int expansionBatchSize) {
      this.expansionBatchSize = batchSize(expansionBatchSize, "expansionBatchSize");
      return this;
    }

    /**
     * Builds the outbox. Connects once to detect the dialect unless one was set; does not check
     * the schema (see {@link JdbcOutbox#migrate()} and {@link JdbcOutbox#verifySchema()}).
     */
    public JdbcOutbox build() {
      if (validator == null) {
        throw new IllegalStateException("validator is required: JdbcHerald derives it from its transports; an outbox "
            + "used on its own takes validator(InputValidator.of(transports)), or validator(InputValidator.none()) "
            + "to store what only the model checks");
      }
      Dialect d = dialect != null ? dialect : Dialect.detect(dataSource);
      JdbcOutbox outbox = new JdbcOutbox(this, d);
      LOG.info("Herald outbox: dialect={}, tablePrefix={}, dedupWindow={}, retention={}, purgeInterval={}, staleAfter={}, "
              + "deviceRetention={}, listenNotify={}", d.name(), tablePrefix, dedupWindow, retention, purgeInterval,
          staleAfter, deviceRetention, listenNotify && d.supportsNotify());
      return outbox;
    }

    private static Duration positive(Duration d, String name, Duration max) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero() || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(name + " must be > 0 and <= " + max + ": " + d);
      }
      return d;
    }

    private static int batchSize(int n, String name) {
      if (n < 1 || n > 10_000) {
        throw new IllegalArgumentException(name + " must be 1-10000: " + n);
      }
      return n;
    }

    private static Duration nonNegative(Duration d, String name, Duration max) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(name + " must be >= 0 and <= " + max + ": " + d);
      }
      return d;
    }
  }
}
