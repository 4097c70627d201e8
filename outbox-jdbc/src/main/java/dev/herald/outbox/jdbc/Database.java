package dev.herald.outbox.jdbc;

/**
 * The databases the outbox runs on. Detected from the DataSource by default; name it with
 * {@link JdbcHerald.Builder#database(Database)} when detection cannot be used.
 */
public enum Database {
  /** PostgreSQL 13 or later: the production target (LISTEN/NOTIFY wake-ups, advisory-lock migrations). */
  POSTGRESQL,
  /**
   * H2 2.x in PostgreSQL mode ({@code MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH}):
   * embedded, for tests, demos and single-process hosts.
   */
  H2
}
