package dev.herald.outbox.jdbc.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.postgresql.PGStatement;

/** Keeps pgjdbc from turning the outbox's statements into server-prepared ones with cached plans. */
final class PgCustomPlans implements StatementCustomizer {
  @Override
  public void beforeExecution(PreparedStatement stmt, StatementContext ctx) throws SQLException {
    if (stmt.isWrapperFor(PGStatement.class)) {
      stmt.unwrap(PGStatement.class).setPrepareThreshold(0);
    }
  }
}
