package dev.herald.outbox.jdbc.internal;

import dev.herald.outbox.jdbc.Dialect;
import java.sql.SQLException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

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

  /**
   * Plans every statement of the outbox afresh (the JDBC driver's prepare threshold 0). The queue
   * tables grow from empty to millions of rows faster than PostgreSQL invalidates a cached generic
   * plan, and a plan cached while a table was tiny keeps sequential-scanning it: measured 20 ms per
   * claim at 50,000 rows instead of 0.2 ms. Re-planning costs about 0.1-0.3 ms per statement.
   */
  @Override
  public void configure(Jdbi jdbi) {
    try {
      Class.forName("org.postgresql.PGStatement", false, PostgresDialect.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      return; // another driver: it decides how to prepare
    }
    jdbi.addCustomizer(new PgCustomPlans());
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
