package dev.herald.outbox.jdbc.internal;

import dev.herald.internal.Texts;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import org.jdbi.v3.core.argument.Argument;

/**
 * Small JDBC helpers. Timestamps travel as {@link OffsetDateTime} in UTC, which both drivers map to
 * {@code TIMESTAMP WITH TIME ZONE} without consulting the JVM's time zone.
 */
public final class Jdbc {
  private Jdbc() {}

  /** Binds an instant, or SQL NULL typed as a timestamp with time zone. */
  public static void setInstant(PreparedStatement ps, int index, Instant instant) throws SQLException {
    if (instant == null) {
      ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      ps.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
    }
  }

  /** Reads a timestamp with time zone column as an instant, or null. */
  public static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  /** Reads a timestamp with time zone column as an instant, or null. */
  public static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  /** A jdbi argument for an instant (null allowed). */
  public static Argument instant(Instant instant) {
    return (pos, ps, ctx) -> setInstant(ps, pos, instant);
  }

  /** A jdbi argument binding a SQL array of BIGINT. */
  public static Argument longs(Collection<Long> values) {
    return array("bigint", values.toArray(new Long[0]));
  }

  /** A jdbi argument binding a SQL array of INTEGER. */
  public static Argument ints(Collection<Integer> values) {
    return array("integer", values.toArray(new Integer[0]));
  }

  /** A jdbi argument binding a SQL array of VARCHAR. */
  public static Argument strings(Collection<String> values) {
    return array("varchar", values.toArray(new String[0]));
  }

  private static Argument array(String type, Object[] values) {
    return (pos, ps, ctx) -> {
      Array a = ps.getConnection().createArrayOf(type, values);
      ps.setArray(pos, a);
      ctx.addCleanable(() -> {
        try {
          a.free();
        } catch (SQLException | AbstractMethodError ignored) {
          // Some drivers do not implement free(); the array is garbage then.
        }
      });
    };
  }

  /** A failed statement on a caller's connection, remembering which statement it was. */
  public static final class StatementFailure extends SQLException {
    private static final long serialVersionUID = 1L;
    private final String sql;

    StatementFailure(String sql, SQLException cause) {
      super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
      this.sql = sql;
    }

    /** The statement's SQL (placeholders, never values). */
    public String sql() {
      return sql;
    }
  }

  /** Wraps a statement's failure so that the message can name the statement. */
  public static SQLException failed(String sql, SQLException e) {
    return e instanceof StatementFailure ? e : new StatementFailure(sql, e);
  }

  /**
   * The first line of the database's message and the start of the statement, never bound values:
   * H2 appends the statement to its messages, PostgreSQL a detail that can quote a failing row.
   */
  public static String describe(SQLException e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int cut = m.indexOf("; SQL statement:");
    if (cut >= 0) {
      m = m.substring(0, cut);
    }
    int nl = m.indexOf('\n');
    if (nl >= 0) {
      m = m.substring(0, nl);
    }
    if (e instanceof StatementFailure f) {
      String sql = f.sql();
      m += " [statement: " + (sql.length() > 80 ? sql.substring(0, 80) + "…" : sql) + "]";
    }
    return m;
  }

  /**
   * Text for a VARCHAR(n) column that the database always takes: NUL and other control characters
   * escaped (PostgreSQL refuses NUL in text), unpaired surrogates replaced (UTF-8 has no form for
   * them), cut to {@code max} characters without splitting a surrogate pair.
   */
  public static String clip(String s, int max) {
    return Texts.storable(s, max);
  }
}
