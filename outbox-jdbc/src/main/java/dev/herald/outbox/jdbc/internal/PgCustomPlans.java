package dev.herald.outbox.jdbc.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.postgresql.PGStatement;

/**
 * Keeps pgjdbc from turning the outbox's occasional statements into server-prepared ones with cached
 * generic plans; statements marked {@link Dialect#PINNED} run under pinned
 * index plans and keep the cache.
 */
public final class PgCustomPlans implements StatementCustomizer {
  @Override
  public void beforeExecution(PreparedStatement stmt, StatementContext ctx) throws SQLException {
    if (!Boolean.TRUE.equals(ctx.getAttribute(Dialect.PINNED)) && stmt.isWrapperFor(PGStatement.class)) {
      stmt.unwrap(PGStatement.class).setPrepareThreshold(0);
    }
  }

  /** The same for a statement of the enqueue path, which runs on the caller's connection. */
  public static void apply(PreparedStatement stmt) throws SQLException {
    if (stmt.isWrapperFor(PGStatement.class)) {
      stmt.unwrap(PGStatement.class).setPrepareThreshold(0);
    }
  }
}
