package dev.herald.outbox.jdbc;

import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.EnqueueResult;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.outbox.jdbc.internal.AdminStore;
import dev.herald.outbox.jdbc.internal.Claimer;
import dev.herald.outbox.jdbc.internal.Completer;
import dev.herald.outbox.jdbc.internal.DeviceStore;
import dev.herald.outbox.jdbc.internal.Enqueuer;
import dev.herald.outbox.jdbc.internal.Migrator;
import dev.herald.outbox.jdbc.internal.PgNotifyListener;
import dev.herald.outbox.jdbc.internal.Purger;
import dev.herald.outbox.jdbc.internal.StatusReader;
import dev.herald.outbox.jdbc.internal.Tables;
import dev.herald.spi.ClaimBatch;
import dev.herald.spi.ClaimRequest;
import dev.herald.spi.Completion;
import dev.herald.spi.DeviceRegistry;
import dev.herald.spi.OutboxStore;
import java.sql.Connection;
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
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
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
 * <pre>{@code
 * JdbcOutbox outbox = JdbcOutbox.builder(dataSource)
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
public final class JdbcOutbox implements OutboxStore, DeviceRegistry, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcOutbox.class);

  private final DataSource dataSource;
  private final Dialect dialect;
  private final Tables tables;
  private final Duration dedupWindow;
  private final Duration retention;
  private final Duration purgeInterval;
  private final boolean listenNotify;
  private final Migrator migrator;
  private final Enqueuer enqueuer;
  private final Claimer claimer;
  private final Completer completer;
  private final DeviceStore devices;
  private final StatusReader status;
  private final Purger purger;
  private final OutboxAdmin admin;
  private final Jdbi jdbi;
  private final CopyOnWriteArrayList<Runnable> subscribers = new CopyOnWriteArrayList<>();
  private final Object lifecycle = new Object();
  private PgNotifyListener listener;
  private ScheduledExecutorService housekeeping;
  private volatile boolean schemaVerified;
  private volatile boolean closed;

  private JdbcOutbox(Builder b, Dialect dialect) {
    this.dataSource = b.dataSource;
    this.dialect = dialect;
    this.tables = new Tables(b.tablePrefix);
    this.dedupWindow = b.dedupWindow;
    this.retention = b.retention;
    this.purgeInterval = b.purgeInterval;
    this.listenNotify = b.listenNotify;
    this.jdbi = Jdbi.create(dataSource);
    // Messages carry the statement, never bound values (keys, recipient ids, payloads).
    jdbi.getConfig(StatementExceptions.class).setMessageRendering(StatementExceptions.MessageRendering.SHORT_STATEMENT);
    dialect.configure(jdbi);
    this.migrator = new Migrator(jdbi, dialect, tables);
    this.enqueuer = new Enqueuer(tables, dialect, dedupWindow);
    this.claimer = new Claimer(jdbi, dialect, tables, b.expansionBatchSize);
    this.devices = new DeviceStore(jdbi, tables);
    this.completer = new Completer(jdbi, dialect, tables, devices);
    this.status = new StatusReader(jdbi, tables);
    this.purger = new Purger(jdbi, dialect, tables, retention, dedupWindow, b.purgeBatchSize);
    this.admin = new OutboxAdmin(new AdminStore(jdbi, dialect, tables), status, migrator, this::wakeLocal);
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

  /** Enqueues in a transaction of its own on the DataSource; see {@link OutboxStore#enqueue}. */
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
    return copy;
  }

  /** Cancels with the reason "cancelled by the host"; see {@link OutboxStore#cancel}. */
  @Override
  public boolean cancel(String idempotencyKey) {
    return cancel(idempotencyKey, "cancelled by the host");
  }

  /**
   * Cancels what is not yet claimed of the notification with this key, recording {@code reason}.
   * A delivery already in flight is not interrupted.
   *
   * @return true when something was cancelled
   */
  public boolean cancel(String idempotencyKey, String reason) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(reason, "reason");
    return call("cancel", () -> jdbi.inTransaction(h -> {
      Optional<Long> id = h.createQuery("SELECT notification_id FROM " + tables.dedup() + " WHERE idempotency_key = :k")
          .bind("k", idempotencyKey).mapTo(Long.class).findOne();
      if (id.isEmpty()) {
        return false;
      }
      String r = dev.herald.outbox.jdbc.internal.Jdbc.clip(reason, 500);
      int n = h.createUpdate("UPDATE " + tables.notification() + " SET state = 4, next_at = NULL,"
          + " finished_at = CURRENT_TIMESTAMP, reason = :r WHERE id = :id AND state = 0")
          .bind("r", r).bind("id", id.get()).execute();
      n += h.createUpdate("UPDATE " + tables.delivery() + " SET state = 4, next_at = NULL,"
          + " finished_at = CURRENT_TIMESTAMP, last_error = :r WHERE notification_id = :id AND state = 0")
          .bind("r", r).bind("id", id.get()).execute();
      return n > 0;
    }));
  }

  // ---------------------------------------------------------------- engine side

  /** Expands due recipient notifications and claims due deliveries; see {@link OutboxStore#claim}. */
  @Override
  public ClaimBatch claim(ClaimRequest request) {
    Objects.requireNonNull(request, "request");
    ClaimBatch batch = call("claim", () -> claimer.claim(request));
    startHousekeeping();
    return batch;
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
    return call("find", () -> status.byKey(idempotencyKey));
  }

  /**
   * Calls {@code wakeUp} when work may have become due: at once after an enqueue or re-queue by this
   * instance commits, and, on PostgreSQL with {@link Builder#listenNotify(boolean)}, when any
   * instance's enqueue commits. {@code wakeUp} must be fast and should not throw.
   */
  @Override
  public AutoCloseable subscribe(Runnable wakeUp) {
    Objects.requireNonNull(wakeUp, "wakeUp");
    checkOpen();
    subscribers.add(wakeUp);
    startListener();
    return () -> subscribers.remove(wakeUp);
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
   * {@link Builder#purgeInterval(Duration)} once this instance has claimed; call it directly to
   * purge on your own schedule.
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

  @Override
  public Device register(String recipientId, DeviceTarget target) {
    return call("register device", () -> devices.register(recipientId, target, null));
  }

  @Override
  public Device register(String recipientId, DeviceTarget target, DeviceTarget replaces) {
    Objects.requireNonNull(replaces, "replaces");
    return call("register device", () -> devices.register(recipientId, target, replaces));
  }

  @Override
  public boolean touch(DeviceTarget target) {
    Objects.requireNonNull(target, "target");
    return call("touch device", () -> devices.touch(target));
  }

  @Override
  public boolean unregister(DeviceTarget target) {
    Objects.requireNonNull(target, "target");
    return call("unregister device", () -> devices.unregister(target));
  }

  @Override
  public List<Device> devices(String recipientId) {
    Objects.requireNonNull(recipientId, "recipientId");
    return call("list devices", () -> devices.devices(recipientId));
  }

  @Override
  public Optional<Device> find(DeviceTarget target) {
    Objects.requireNonNull(target, "target");
    return call("find device", () -> devices.find(target));
  }

  // ---------------------------------------------------------------- lifecycle

  /** The dialect in use. */
  public Dialect dialect() {
    return dialect;
  }

  /** The table prefix in use. */
  public String tablePrefix() {
    return tables.prefix();
  }

  /** Stops the wake-up listener and the purge thread. Idempotent; the DataSource stays open. */
  @Override
  public void close() {
    PgNotifyListener l;
    ScheduledExecutorService h;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      l = listener;
      h = housekeeping;
      listener = null;
      housekeeping = null;
    }
    subscribers.clear();
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
    private final DataSource dataSource;
    private Dialect dialect;
    private String tablePrefix = "herald_";
    private Duration dedupWindow = Duration.ofDays(7);
    private Duration retention = Duration.ofDays(7);
    private Duration purgeInterval = Duration.ofMinutes(10);
    private boolean listenNotify = true;
    private int purgeBatchSize = 500;
    private int expansionBatchSize = 500;

    private Builder(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** The database dialect; default detected from the DataSource's product name at {@link #build()}. */
    public Builder dialect(Dialect dialect) {
      this.dialect = Objects.requireNonNull(dialect, "dialect");
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
     * is a no-op; default 7 days. Zero forgets a key as soon as its notification finishes.
     */
    public Builder dedupWindow(Duration dedupWindow) {
      this.dedupWindow = nonNegative(dedupWindow, "dedupWindow");
      return this;
    }

    /**
     * How long finished notifications and their deliveries are kept (for {@link #find}, dead
     * letters and stats) before {@link JdbcOutbox#purge()} deletes them; default 7 days. Their keys
     * stay known for the dedup window either way.
     */
    public Builder retention(Duration retention) {
      this.retention = nonNegative(retention, "retention");
      return this;
    }

    /**
     * How often an instance that claims runs {@link JdbcOutbox#purge()}; default 10 minutes.
     * {@link Duration#ZERO} turns the built-in schedule off.
     */
    public Builder purgeInterval(Duration purgeInterval) {
      this.purgeInterval = nonNegative(purgeInterval, "purgeInterval");
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

    /** Rows deleted per purge transaction; default 500, 1 to 10,000. */
    public Builder purgeBatchSize(int purgeBatchSize) {
      if (purgeBatchSize < 1 || purgeBatchSize > 10_000) {
        throw new IllegalArgumentException("purgeBatchSize must be 1-10000: " + purgeBatchSize);
      }
      this.purgeBatchSize = purgeBatchSize;
      return this;
    }

    /**
     * Most recipient notifications expanded per claim (capped by the claim's total limit);
     * default 500, 1 to 10,000.
     */
    public Builder expansionBatchSize(int expansionBatchSize) {
      if (expansionBatchSize < 1 || expansionBatchSize > 10_000) {
        throw new IllegalArgumentException("expansionBatchSize must be 1-10000: " + expansionBatchSize);
      }
      this.expansionBatchSize = expansionBatchSize;
      return this;
    }

    /**
     * Builds the outbox. Connects once to detect the dialect unless one was set; does not check
     * the schema (see {@link JdbcOutbox#migrate()} and {@link JdbcOutbox#verifySchema()}).
     */
    public JdbcOutbox build() {
      Dialect d = dialect != null ? dialect : Dialect.detect(dataSource);
      JdbcOutbox outbox = new JdbcOutbox(this, d);
      LOG.info("Herald outbox: dialect={}, tablePrefix={}, dedupWindow={}, retention={}, purgeInterval={}, listenNotify={}",
          d.name(), tablePrefix, dedupWindow, retention, purgeInterval, listenNotify && d.supportsNotify());
      return outbox;
    }

    private static Duration nonNegative(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " must be >= 0: " + d);
      }
      return d;
    }
  }
}
