package dev.herald.outbox.jdbc;

import dev.herald.Channel;
import dev.herald.EngineBuilder;
import dev.herald.EnqueueResult;
import dev.herald.Herald;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.spi.InputValidator;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;

/**
 * Herald on a JDBC database (PostgreSQL or H2): the one object a host uses. The transports are
 * given once, and what they would refuse (a Web Push endpoint the endpoint policy forbids, a payload
 * over a channel's limit, a target of a channel no transport serves) is refused when it is enqueued
 * or registered, with nothing stored. Through it the host enqueues and cancels, in a transaction of
 * its own or in the host's on its {@link Connection} or jdbi {@link Handle}; registers devices
 * ({@link #devices()}); reaches the operator functions ({@link #admin()}); and runs the delivery
 * engine ({@link #start()}, {@link #close()}).
 *
 * <pre>{@code
 * JdbcHerald herald = JdbcHerald.builder(dataSource)
 *     .transport(fcm)
 *     .transport(webPush)
 *     .guard(d -> stillWanted(d) ? Verdict.proceed() : Verdict.veto("schedule already started"))
 *     .build();
 * herald.migrate();                     // idempotent; safe on every instance at once
 * herald.start();                       // close() on shutdown
 *
 * herald.devices().register("member-7", new DeviceTarget.FcmInstallation(fid));
 *
 * try (Connection c = dataSource.getConnection()) {
 *   c.setAutoCommit(false);
 *   saveSchedule(c, schedule);
 *   herald.enqueue(c, Notification.builder("schedule-" + schedule.id() + ":starts")
 *       .recipient(Recipient.id("member-7")).title("Your schedule starts now")
 *       .notBefore(schedule.startsAt()).build());
 *   c.commit();                         // the notification exists iff this commits
 * }
 * }</pre>
 *
 * <p>An instance that only enqueues (a service whose engines run elsewhere) builds the same object
 * with the same transports and never starts it. Thread-safe. {@link #close()} is idempotent; the
 * DataSource stays the host's.
 */
public final class JdbcHerald implements AutoCloseable {
  private final DataSource dataSource;
  private final JdbcOutbox outbox;
  private final Herald engine;
  private final boolean migrateOnStart;

  private JdbcHerald(DataSource dataSource, JdbcOutbox outbox, Herald engine, boolean migrateOnStart) {
    this.dataSource = dataSource;
    this.outbox = outbox;
    this.engine = engine;
    this.migrateOnStart = migrateOnStart;
  }

  /** A builder for Herald on this DataSource; at least one {@link Builder#transport} is required. */
  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Creates or upgrades the outbox tables to the version this Herald needs; see
   * {@link JdbcOutbox#migrate()}.
   *
   * @return how many migration scripts were applied
   */
  public int migrate() {
    return outbox.migrate();
  }

  /**
   * Starts the delivery engine: migrates first when {@link Builder#migrateOnStart(boolean)} is on,
   * then checks the schema, starts the outbox's background work (wake-up listener, purge, device
   * pruning) and the engine's threads.
   *
   * @throws OutboxSchemaException when the schema is missing or of another version (nothing is started)
   * @throws IllegalStateException when already started or closed
   */
  public void start() {
    if (migrateOnStart) {
      outbox.migrate();
    }
    engine.start();
  }

  /**
   * Claims one batch, sends it and records every outcome before returning: a deterministic driver
   * for tests and tools; not while started.
   *
   * @return how many deliveries were claimed
   */
  public int runOnce() {
    return engine.runOnce();
  }

  /** Repeats {@link #runOnce()} until nothing is due, at most {@code maxRounds} times; returns the total claimed. */
  public int drain(int maxRounds) {
    return engine.drain(maxRounds);
  }

  /** Asks the engine to claim now rather than at its next poll (new work may be due). */
  public void wakeUp() {
    engine.wakeUp();
  }

  /**
   * Stops the engine (in-flight sends finish within the shutdown timeout or are released for
   * another instance), closes the transports and stops the outbox's background work. Idempotent.
   */
  @Override
  public void close() {
    try {
      engine.close();
    } finally {
      outbox.close();
    }
  }

  // ---------------------------------------------------------------- enqueue and cancel

  /**
   * Enqueues in a transaction of its own and wakes this instance's engine.
   *
   * @throws InvalidInputException when a transport would refuse the notification; nothing is stored
   */
  public EnqueueResult enqueue(Notification notification) {
    return outbox.enqueue(notification);
  }

  /**
   * Enqueues in the caller's transaction on {@code connection}: the notification exists iff that
   * transaction commits; see {@link JdbcOutbox#enqueue(Connection, Notification)}.
   *
   * @throws InvalidInputException when a transport would refuse the notification; nothing is written
   */
  public EnqueueResult enqueue(Connection connection, Notification notification) {
    return outbox.enqueue(connection, notification);
  }

  /** Enqueues in the transaction of a jdbi handle; see {@link #enqueue(Connection, Notification)}. */
  public EnqueueResult enqueue(Handle handle, Notification notification) {
    return outbox.enqueue(handle, notification);
  }

  /** Enqueues several in one transaction of its own; results in input order; all refused if one is. */
  public List<EnqueueResult> enqueueAll(List<Notification> notifications) {
    return outbox.enqueueAll(notifications);
  }

  /** Enqueues several in the caller's transaction; results in input order; all refused if one is. */
  public List<EnqueueResult> enqueueAll(Connection connection, List<Notification> notifications) {
    return outbox.enqueueAll(connection, notifications);
  }

  /** Enqueues several in the transaction of a jdbi handle; results in input order. */
  public List<EnqueueResult> enqueueAll(Handle handle, List<Notification> notifications) {
    return outbox.enqueueAll(handle, notifications);
  }

  /**
   * Cancels what is not yet claimed of the notification with this key, in a transaction of its own;
   * a delivery already in flight is not interrupted.
   *
   * @return true when something was cancelled
   */
  public boolean cancel(String idempotencyKey) {
    return outbox.cancel(idempotencyKey);
  }

  /** {@link #cancel(String)} in the caller's transaction: undone if it rolls back. */
  public boolean cancel(Connection connection, String idempotencyKey) {
    return outbox.cancel(connection, idempotencyKey);
  }

  /**
   * {@link #cancel(String)} in the caller's transaction, recording {@code reason} (at most 500
   * characters are kept) instead of "cancelled by the host".
   */
  public boolean cancel(Connection connection, String idempotencyKey, String reason) {
    return outbox.cancel(connection, idempotencyKey, reason);
  }

  /** {@link #cancel(String)} in the transaction of a jdbi handle. */
  public boolean cancel(Handle handle, String idempotencyKey) {
    return outbox.cancel(handle, idempotencyKey);
  }

  /** The notification with this key and its deliveries, while the outbox keeps it. */
  public Optional<NotificationStatus> find(String idempotencyKey) {
    return outbox.find(idempotencyKey);
  }

  // ---------------------------------------------------------------- devices, operators, state

  /** The device registry, checking every target with its channel's transport. */
  public JdbcDeviceRegistry devices() {
    return outbox;
  }

  /** The operator functions: dead letters, re-queue, stats, schema version. */
  public OutboxAdmin admin() {
    return outbox.admin();
  }

  /** True when the channel is paused because its sender failed (credentials, configuration). */
  public boolean paused(Channel channel) {
    return engine.paused(channel);
  }

  /** The channels this instance has transports for. */
  public Set<Channel> channels() {
    return engine.channels();
  }

  /** This instance's id, recorded as the lease owner of what it claims. */
  public String instanceId() {
    return engine.instanceId();
  }

  /** The DataSource this Herald was built on: where integrations (Kafka ingestion, say) open their transactions. */
  public DataSource dataSource() {
    return dataSource;
  }

  /** The outbox underneath: the {@link dev.herald.store.OutboxStore} the engine runs on. */
  public JdbcOutbox outbox() {
    return outbox;
  }

  @Override
  public String toString() {
    return "JdbcHerald[" + engine.instanceId() + ", " + outbox + ", channels=" + engine.channels() + "]";
  }

  /**
   * Configures a {@link JdbcHerald}: the engine settings of {@link EngineBuilder} (transports,
   * guard, listeners, retry policy, timing, limits) and the outbox's. Setters validate their value;
   * {@link #build()} validates the combination. Not thread-safe.
   */
  public static final class Builder extends EngineBuilder<Builder> {
    private final DataSource dataSource;
    private final JdbcOutbox.Builder outbox;
    private boolean migrateOnStart;

    private Builder(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      this.outbox = JdbcOutbox.builder(dataSource);
    }

    /** The database; default detected from the DataSource at {@link #build()}. */
    public Builder database(Database database) {
      outbox.database(database);
      return this;
    }

    /** Prefix of every table, sequence and NOTIFY channel; default {@code herald_}; see {@link JdbcOutbox.Builder#tablePrefix}. */
    public Builder tablePrefix(String tablePrefix) {
      outbox.tablePrefix(tablePrefix);
      return this;
    }

    /** How long a finished key still counts as known; default 7 days; see {@link JdbcOutbox.Builder#dedupWindow}. */
    public Builder dedupWindow(Duration dedupWindow) {
      outbox.dedupWindow(dedupWindow);
      return this;
    }

    /** How long finished notifications are kept; default 7 days; see {@link JdbcOutbox.Builder#retention}. */
    public Builder retention(Duration retention) {
      outbox.retention(retention);
      return this;
    }

    /** How often purge and device pruning run while the engine runs; default 10 minutes, zero for never. */
    public Builder purgeInterval(Duration purgeInterval) {
      outbox.purgeInterval(purgeInterval);
      return this;
    }

    /** Whether PostgreSQL LISTEN/NOTIFY wakes engines at commit; default true. */
    public Builder listenNotify(boolean listenNotify) {
      outbox.listenNotify(listenNotify);
      return this;
    }

    /** Devices not seen for this long are marked stale; default 60 days; see {@link JdbcOutbox.Builder#staleAfter}. */
    public Builder staleAfter(Duration staleAfter) {
      outbox.staleAfter(staleAfter);
      return this;
    }

    /** How long retired, invalid and stale devices are kept; default 30 days; see {@link JdbcOutbox.Builder#deviceRetention}. */
    public Builder deviceRetention(Duration deviceRetention) {
      outbox.deviceRetention(deviceRetention);
      return this;
    }

    /** Rows per purge transaction; default 500. */
    public Builder purgeBatchSize(int purgeBatchSize) {
      outbox.purgeBatchSize(purgeBatchSize);
      return this;
    }

    /** Recipient notifications expanded per claim; default 500. */
    public Builder expansionBatchSize(int expansionBatchSize) {
      outbox.expansionBatchSize(expansionBatchSize);
      return this;
    }

    /** Whether {@link JdbcHerald#start()} migrates the schema first; default false (call {@link JdbcHerald#migrate()}). */
    public Builder migrateOnStart(boolean migrateOnStart) {
      this.migrateOnStart = migrateOnStart;
      return this;
    }

    /**
     * Builds Herald (not started; the DataSource is not touched until first use, except to detect
     * the dialect).
     *
     * @throws IllegalStateException when no transport was added, two share a channel, or the
     *     engine settings contradict each other
     */
    public JdbcHerald build() {
      if (transports().isEmpty()) {
        throw new IllegalStateException("at least one transport is required: call transport(Transport)");
      }
      JdbcOutbox store = outbox.validator(InputValidator.of(transports())).build();
      try {
        return new JdbcHerald(dataSource, store, buildEngine(store, store), migrateOnStart);
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
    }
  }
}
