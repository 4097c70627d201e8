package dev.herald.kafka.internal;

import dev.herald.kafka.Action;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Everything Kafka ingestion needs from Herald, and the only place it touches the outbox: apply
 * actions on a connection inside a transaction the caller (the poll loop) opened and will commit or
 * roll back, and say how much work waits for the engines. One implementation per kind of Herald
 * front door; today {@link JdbcOutboxSeam}.
 *
 * <p>Contract: {@link #apply} writes only on {@code connection}, never commits, rolls back or closes
 * it, applies the actions in list order, and fails without partial effect beyond what the caller's
 * rollback undoes. Input the outbox refuses surfaces as {@code InvalidInputException} (or
 * {@code IllegalArgumentException}) before anything of that action is written; database failures as
 * {@link SQLException} or an exception caused by one. Both methods are thread-safe.
 */
public interface OutboxSeam {

  /** Applies {@code actions} in order within the caller's transaction on {@code connection}. */
  void apply(Connection connection, List<Action> actions) throws SQLException;

  /** Work due and not yet taken by the engines, counted up to {@code atMost} (a cheap, bounded count). */
  long backlog(long atMost);
}
