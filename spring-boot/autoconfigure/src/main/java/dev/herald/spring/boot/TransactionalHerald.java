package dev.herald.spring.boot;

import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.EnqueueResult;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Herald inside the current Spring-managed transaction: {@code @Transactional}, a
 * {@code TransactionTemplate}, a JDBC ({@code DataSourceTransactionManager}, {@code JdbcTransactionManager})
 * or JPA ({@code JpaTransactionManager}) transaction on Herald's DataSource. What is enqueued,
 * cancelled or registered here is written on the transaction's own connection, so it exists iff that
 * transaction commits; nothing here commits, rolls back or closes anything.
 *
 * <pre>{@code
 * @Transactional
 * public Schedule create(NewSchedule s) {
 *   Schedule saved = schedules.save(new Schedule(s));
 *   herald.enqueue(Notification.builder("schedule-" + saved.id() + ":starts")
 *       .recipient(Recipient.id(saved.memberId())).title("Your schedule starts now")
 *       .notBefore(saved.startsAt()).build());
 *   return saved;                        // schedule and reminder commit together, or neither does
 * }
 * }</pre>
 *
 * <p>Every method requires an active, writable transaction whose connection belongs to Herald's
 * DataSource; without one it throws {@link IllegalTransactionStateException} and writes nothing,
 * rather than committing on its own. To enqueue in a transaction of its own, use
 * {@link JdbcHerald#enqueue(Notification)}. After a transaction that created a notification commits,
 * this instance's engine is woken, so the notification is claimed at once rather than at the next poll.
 *
 * <p>Thread-safe; a singleton bean of the auto-configuration.
 */
public final class TransactionalHerald {
  private final JdbcHerald herald;
  private final DataSource dataSource;

  /**
   * Herald inside transactions on {@code dataSource}, which must be the DataSource {@code herald}
   * was built on.
   */
  public TransactionalHerald(JdbcHerald herald, DataSource dataSource) {
    this.herald = Objects.requireNonNull(herald, "herald");
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Enqueues in the current transaction: the notification exists iff it commits. A key already known
   * is a no-op that reports the existing notification.
   *
   * @throws IllegalTransactionStateException when no writable transaction on Herald's DataSource is active
   * @throws InvalidInputException when a transport would refuse the notification; nothing is written
   */
  public EnqueueResult enqueue(Notification notification) {
    Objects.requireNonNull(notification, "notification");
    EnqueueResult r = inTransaction("enqueue", c -> herald.enqueue(c, notification));
    if (r.created()) {
      wakeUpAfterCommit();
    }
    return r;
  }

  /**
   * Enqueues several in the current transaction; results in input order; all refused if one is.
   *
   * @throws IllegalTransactionStateException when no writable transaction on Herald's DataSource is active
   */
  public List<EnqueueResult> enqueueAll(List<Notification> notifications) {
    Objects.requireNonNull(notifications, "notifications");
    List<EnqueueResult> rs = inTransaction("enqueueAll", c -> herald.enqueueAll(c, notifications));
    if (rs.stream().anyMatch(EnqueueResult::created)) {
      wakeUpAfterCommit();
    }
    return rs;
  }

  /**
   * Cancels, in the current transaction, what is not yet claimed of the notification with this key
   * (also one enqueued earlier in the same transaction); undone if the transaction rolls back.
   *
   * @return true when something was cancelled
   * @throws IllegalTransactionStateException when no writable transaction on Herald's DataSource is active
   */
  public boolean cancel(String idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    return inTransaction("cancel", c -> herald.cancel(c, idempotencyKey));
  }

  /**
   * {@link #cancel(String)} recording {@code reason}.
   *
   * @throws IllegalTransactionStateException when no writable transaction on Herald's DataSource is active
   */
  public boolean cancel(String idempotencyKey, String reason) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(reason, "reason");
    return inTransaction("cancel", c -> herald.outbox().cancel(c, idempotencyKey, reason));
  }

  /**
   * Registers or refreshes a device of {@code recipientId} in the current transaction.
   *
   * @throws IllegalTransactionStateException when no writable transaction on Herald's DataSource is active
   * @throws InvalidInputException when the target's transport refuses it; nothing is written
   */
  public Device register(String recipientId, DeviceTarget target) {
    return inTransaction("register", c -> herald.devices().register(c, recipientId, target));
  }

  /**
   * Registers {@code target} and retires {@code replaces} (a legacy token the app moved away from) in
   * the current transaction.
   *
   * @throws IllegalTransactionStateException when no writable transaction on Herald's DataSource is active
   */
  public Device register(String recipientId, DeviceTarget target, DeviceTarget replaces) {
    return inTransaction("register", c -> herald.devices().register(c, recipientId, target, replaces));
  }

  /**
   * Marks a device as seen now, in the current transaction.
   *
   * @return true when the device is registered
   * @throws IllegalTransactionStateException when no writable transaction on Herald's DataSource is active
   */
  public boolean touch(DeviceTarget target) {
    return inTransaction("touch", c -> herald.devices().touch(c, target));
  }

  /**
   * Unregisters a device in the current transaction.
   *
   * @return true when it was registered
   * @throws IllegalTransactionStateException when no writable transaction on Herald's DataSource is active
   */
  public boolean unregister(DeviceTarget target) {
    return inTransaction("unregister", c -> herald.devices().unregister(c, target));
  }

  /** Herald itself: enqueue in a transaction of its own, find, devices, operator functions. */
  public JdbcHerald herald() {
    return herald;
  }

  private <T> T inTransaction(String what, Function<Connection, T> body) {
    if (!TransactionSynchronizationManager.isActualTransactionActive()) {
      throw new IllegalTransactionStateException("TransactionalHerald." + what + " needs an active Spring-managed "
          + "transaction (@Transactional or a TransactionTemplate) and none is active on this thread; nothing was "
          + "written. To write in a transaction of its own, call JdbcHerald." + what + " instead.");
    }
    if (TransactionSynchronizationManager.isCurrentTransactionReadOnly()) {
      throw new IllegalTransactionStateException("TransactionalHerald." + what + " needs a writable transaction and "
          + "the current one is read-only; nothing was written.");
    }
    Connection c = DataSourceUtils.getConnection(dataSource);
    try {
      // A transaction manager for another resource (another DataSource, a JPA dialect that does not
      // expose its connection) leaves no connection bound to ours; the one DataSourceUtils then
      // opens is in auto-commit mode and would commit on its own.
      if (c.getAutoCommit()) {
        throw new IllegalTransactionStateException("TransactionalHerald." + what + " found a transaction on this thread, "
            + "but not on Herald's DataSource (is its transaction manager for another DataSource?); nothing was "
            + "written. Run it in a transaction of the DataSource Herald uses.");
      }
      return body.apply(c);
    } catch (SQLException e) {
      throw new IllegalTransactionStateException("TransactionalHerald." + what + " could not inspect the transaction's "
          + "connection: " + e.getMessage(), e);
    } finally {
      DataSourceUtils.releaseConnection(c, dataSource);
    }
  }

  private void wakeUpAfterCommit() {
    if (!TransactionSynchronizationManager.isSynchronizationActive()) {
      return;
    }
    // One wake-up per transaction, however many notifications it enqueues; the list is that of the
    // current transaction (an outer one's are suspended), so a REQUIRES_NEW inner one gets its own.
    for (TransactionSynchronization s : TransactionSynchronizationManager.getSynchronizations()) {
      if (s instanceof WakeUpAfterCommit w && w.herald() == herald) {
        return;
      }
    }
    TransactionSynchronizationManager.registerSynchronization(new WakeUpAfterCommit(herald));
  }

  private record WakeUpAfterCommit(JdbcHerald herald) implements TransactionSynchronization {
    @Override
    public void afterCommit() {
      herald.wakeUp();
    }
  }
}
