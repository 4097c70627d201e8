package dev.herald.outbox.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import dev.herald.outbox.jdbc.Database;
import dev.herald.outbox.jdbc.OutboxException;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * What differs between the databases the outbox runs on. Everything else is portable SQL
 * (ANSI plus {@code FOR UPDATE SKIP LOCKED}, {@code INSERT ... ON CONFLICT DO NOTHING} without a
 * conflict target, {@code UPDATE ... FROM unnest(...)}), so a dialect is small: how a statement
 * returns the rows it changed, how migrations are serialized across processes, whether commits can
 * wake other instances, and where its migration scripts live.
 *
 * <p>Herald ships {@link #postgresql()} (the primary target) and {@link #h2()} (embedded; tests and
 * quick starts); hosts choose between them with {@link Database}. A MySQL or MariaDB dialect would
 * fill the same methods and ship its own scripts. Implementations are immutable and thread-safe.
 */
public interface Dialect {

  /** The dialect of a database Herald supports. */
  static Dialect of(Database database) {
    return switch (database) {
      case POSTGRESQL -> postgresql();
      case H2 -> h2();
    };
  }

  /** Which {@link Database} this dialect serves. */
  Database database();

  /** PostgreSQL 13 or later. */
  static Dialect postgresql() {
    return PostgresDialect.INSTANCE;
  }

  /**
   * H2 2.x in PostgreSQL mode ({@code MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH}).
   */
  static Dialect h2() {
    return H2Dialect.INSTANCE;
  }

  /**
   * The dialect for the database behind {@code dataSource}, from its product name.
   *
   * @throws IllegalStateException when the database is neither PostgreSQL nor H2
   * @throws OutboxException when no connection can be obtained
   */
  static Dialect detect(DataSource dataSource) {
    try (Connection c = dataSource.getConnection()) {
      String product = c.getMetaData().getDatabaseProductName();
      if ("PostgreSQL".equalsIgnoreCase(product)) {
        return postgresql();
      }
      if ("H2".equalsIgnoreCase(product)) {
        return h2();
      }
      throw new IllegalStateException("unsupported database " + product
          + ": the Herald outbox supports PostgreSQL and H2; name the database with JdbcHerald.Builder.database");
    } catch (SQLException e) {
      throw new OutboxException("could not connect to detect the database dialect: " + e.getMessage(), e);
    }
  }

  /** A short lower-case name, also the folder of this dialect's migration scripts. */
  String name();

  /**
   * Turns an {@code UPDATE}, {@code INSERT} or {@code DELETE} into a statement whose result set
   * holds {@code columns} of each changed row (after the change).
   *
   * @param dml the statement, without a trailing semicolon
   * @param columns a select list over the changed table, such as {@code "id, fencing_token"}
   */
  String returning(String dml, String columns);

  /**
   * Takes a lock, held until the current transaction ends, that serializes migrations of the
   * schema with this key across processes. Databases without such a lock do nothing: Herald also
   * serializes migrations within one JVM and its scripts are idempotent.
   */
  void lockForMigration(Handle handle, long key);

  /**
   * A query that locks the first {@code limit} rows of {@code select} in {@code orderBy} order,
   * skipping rows other transactions hold ({@code FOR UPDATE SKIP LOCKED}).
   *
   * @param select {@code SELECT ... FROM ... WHERE ...}, without ORDER BY or LIMIT
   * @param orderBy the order the rows should be taken in, such as {@code "next_at"}; a dialect whose
   *     database would sort every match before locking may rely on the scanned index's order instead
   * @param limit the LIMIT expression, such as a named parameter {@code ":n"}
   */
  String lockFirst(String select, String orderBy, String limit);

  /**
   * Whether {@code UPDATE ... WHERE id IN (<lockFirst query>)} updates exactly the rows its subquery
   * locked, so a claim is one statement. When false, the claim first runs the locking query and
   * then updates the returned ids.
   */
  boolean claimsInOneStatement();

  /** Whether DDL takes part in transactions, so a failed migration leaves nothing behind. */
  boolean transactionalDdl();

  /**
   * Whether a transaction can queue a wake-up that other connections receive at commit
   * (PostgreSQL {@code NOTIFY}). Without it, engines rely on polling and in-process wake-ups.
   */
  boolean supportsNotify();

  /**
   * The statement that queues a wake-up, delivered at commit, on the channel given as its first
   * parameter with the short payload given as its second.
   */
  String notifyStatement();

  /**
   * Adjusts how the outbox's own statements run on this database; called once per outbox with its
   * private jdbi instance. The default does nothing.
   */
  default void configure(Jdbi jdbi) {}

  /**
   * Runs first in each claim, expansion and completion transaction: makes the statements that
   * follow use index plans whatever the table statistics say. The default does nothing.
   */
  default void pinIndexPlans(Handle transaction) {}

  /**
   * The statement attribute ({@code define(PINNED, true)}) that marks a statement as running under
   * {@link #pinIndexPlans}, so that {@link #configure} may leave its plan to the database's cache.
   */
  String PINNED = "heraldPinnedPlan";

  /** Whether the exception says that a table does not exist (the schema was never migrated). */
  boolean isUndefinedTable(SQLException e);
}
