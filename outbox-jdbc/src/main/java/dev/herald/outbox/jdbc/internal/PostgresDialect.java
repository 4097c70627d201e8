package dev.herald.outbox.jdbc.internal;

import java.sql.SQLException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** PostgreSQL: {@code RETURNING}, advisory locks, transactional DDL, {@code NOTIFY}. */
public final class PostgresDialect implements Dialect {
  /** The one instance. */
  public static final PostgresDialect INSTANCE = new PostgresDialect();

  private PostgresDialect() {}

  @Override
  public dev.herald.outbox.jdbc.Database database() {
    return dev.herald.outbox.jdbc.Database.POSTGRESQL;
  }

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
   * Plans the outbox's occasional statements afresh (the JDBC driver's prepare threshold 0); the hot
   * ones run under {@link #pinIndexPlans} and keep the driver's statement cache. The queue tables
   * grow from empty to millions of rows faster than PostgreSQL invalidates a cached generic plan, and
   * a plan cached while a table was tiny keeps sequential-scanning it (measured: 20 ms per claim at
   * 50,000 rows instead of 0.2 ms; 27 s for one 500-row completion at 100,000 rows).
   */
  @Override
  public void configure(Jdbi jdbi) {
    if (PGJDBC) {
      jdbi.addCustomizer(new PgCustomPlans());
    } // else another driver: it decides how to prepare
  }

  /** Whether the PostgreSQL JDBC driver (an optional dependency) is on the classpath. */
  static final boolean PGJDBC = present("org.postgresql.PGStatement");

  private static boolean present(String className) {
    try {
      Class.forName(className, false, PostgresDialect.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /**
   * Turns off, for this transaction only ({@code set_config(..., true)} is {@code SET LOCAL}), the
   * plan shapes that are cheap on a tiny table and ruinous on a large one: sequential and bitmap
   * scans, hash and merge joins, sorts. What remains are index scans and nested loops over the
   * claim index and primary keys, the right plans at any size. JIT compilation goes too: with sorts
   * "off" the scope walk's small top-N sort is costed in the billions, which would make PostgreSQL
   * spend hundreds of milliseconds compiling a statement that runs in three. One round trip, in the
   * transaction's first flush.
   */
  @Override
  public void pinIndexPlans(Handle transaction) {
    transaction.createQuery("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true),"
            + " set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),"
            + " set_config('enable_sort', 'off', true), set_config('jit', 'off', true)")
        .define(PINNED, true).map((rs, ctx) -> 1).one();
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
