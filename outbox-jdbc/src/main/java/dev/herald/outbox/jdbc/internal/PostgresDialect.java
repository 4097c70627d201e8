package dev.herald.outbox.jdbc.internal;

import dev.herald.outbox.jdbc.Dialect;
import java.sql.SQLException;
import org.jdbi.v3.core.Handle;

/** PostgreSQL: {@code RETURNING}, advisory locks, transactional DDL, {@code NOTIFY}. */
public final class PostgresDialect implements Dialect {
  /** The one instance. */
  public static final PostgresDialect INSTANCE = new PostgresDialect();

  private PostgresDialect() {}

  @Override
  public String name() {
    return "postgresql";
  }

  @Override
  public String returning(String dml, String columns) {
    return dml + " RETURNING " + columns;
  }

  @Override
  public void lockForMigration(Handle handle, long key) {
    handle.createQuery("SELECT pg_advisory_xact_lock(:k)").bind("k", key).map((rs, ctx) -> 1).findFirst();
  }

  @Override
  public String lockFirst(String select, String orderBy, String limit) {
    return select + " ORDER BY " + orderBy + " LIMIT " + limit + " FOR UPDATE SKIP LOCKED";
  }

  @Override
  public boolean claimsInOneStatement() {
    return true;
  }

  @Override
  public boolean transactionalDdl() {
    return true;
  }

  @Override
  public boolean supportsNotify() {
    return true;
  }

  @Override
  public String notifyStatement() {
    return "SELECT pg_notify(?, ?)";
  }

  @Override
  public boolean isUndefinedTable(SQLException e) {
    return "42P01".equals(e.getSQLState());
  }

  @Override
  public String toString() {
    return name();
  }
}
