package dev.herald.outbox.jdbc.internal;

import dev.herald.outbox.jdbc.Dialect;
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
    // 42102: table not found; 42104: table not found (H2 2.x with a schema hint).
    return "42S02".equals(e.getSQLState()) || "42102".equals(e.getSQLState()) || "42104".equals(e.getSQLState())
        || (e.getErrorCode() == 42102);
  }

  @Override
  public String toString() {
    return name();
  }
}
