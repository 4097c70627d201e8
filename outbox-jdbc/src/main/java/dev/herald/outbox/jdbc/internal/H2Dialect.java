package dev.herald.outbox.jdbc.internal;

import java.sql.SQLException;
import org.jdbi.v3.core.Handle;

/**
 * H2 2.x in PostgreSQL mode: data-change delta tables ({@code FINAL TABLE}) instead of
 * {@code RETURNING}; no advisory lock, no {@code NOTIFY}; DDL commits implicitly.
 */
public final class H2Dialect implements Dialect {
  /** The one instance. */
  public static final H2Dialect INSTANCE = new H2Dialect();

  private H2Dialect() {}

  @Override
  public dev.herald.outbox.jdbc.Database database() {
    return dev.herald.outbox.jdbc.Database.H2;
  }

  @Override
  public String name() {
    return "h2";
  }

  @Override
  public String returning(String dml, String columns) {
    // A DELETE's rows exist only in the OLD TABLE delta; UPDATE and INSERT show the new values.
    String kind = dml.stripLeading().regionMatches(true, 0, "DELETE", 0, 6) ? "OLD" : "FINAL";
    return "SELECT " + columns + " FROM " + kind + " TABLE (" + dml + ")";
  }

  @Override
  public void lockForMigration(Handle handle, long key) {
    // Nothing to take: an embedded H2 is one process, and the migrator holds a JVM-wide lock.
  }

  @Override
  public String lockFirst(String select, String orderBy, String limit) {
    // H2 2.x locks every matching row before sorting when ORDER BY meets FOR UPDATE (hundreds of
    // milliseconds on a few thousand rows). Without ORDER BY it walks the index, which every caller
    // chooses so that its order is the wanted one.
    return select + " LIMIT " + limit + " FOR UPDATE SKIP LOCKED";
  }

  @Override
  public boolean claimsInOneStatement() {
    // H2 re-evaluates an IN (subquery) while the UPDATE runs, so it may claim fewer rows than the
    // subquery locked and take hundreds of milliseconds doing it.
    return false;
  }

  @Override
  public boolean transactionalDdl() {
    return false;
  }

  @Override
  public boolean supportsNotify() {
    return false;
  }

  @Override
  public String notifyStatement() {
    throw new UnsupportedOperationException("H2 has no NOTIFY");
  }

  @Override
  public boolean isUndefinedTable(SQLException e) {
    // 42102 table not found, 42103 ... with candidates, 42104 ... (the database is empty).
    int code = e.getErrorCode();
    return code == 42102 || code == 42103 || code == 42104 || "42S02".equals(e.getSQLState());
  }

  @Override
  public String toString() {
    return name();
  }
}
