package dev.herald.reliability.support;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.UUID;

/**
 * An in-memory H2 database in PostgreSQL mode, for the tests whose subject is not the database:
 * they then cannot be disturbed by anyone restarting the shared PostgreSQL.
 */
public final class H2 {
  private H2() {}

  /** A pooled, private in-memory database; closing the pool drops it. */
  public static HikariDataSource create(String name) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl("jdbc:h2:mem:" + name + "_" + UUID.randomUUID().toString().substring(0, 8)
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
    c.setMaximumPoolSize(16);
    c.setPoolName("h2-" + name);
    return new HikariDataSource(c);
  }
}
