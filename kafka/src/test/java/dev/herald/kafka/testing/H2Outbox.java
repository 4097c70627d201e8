package dev.herald.kafka.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.testing.ScriptedTransport;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Herald on a migrated outbox in a fresh in-memory H2 database (or on a given DataSource), closed with
 * its pool. Its FCM transport is scripted: these tests ingest, the engine is not started here.
 */
public final class H2Outbox implements AutoCloseable {
  public final DataSource dataSource;
  public final JdbcHerald herald;
  private final HikariDataSource pool;

  /** A fresh H2 database. */
  public H2Outbox() {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl("jdbc:h2:mem:kafka_" + UUID.randomUUID().toString().substring(0, 8)
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
    c.setMaximumPoolSize(8);
    this.pool = new HikariDataSource(c);
    this.dataSource = pool;
    this.herald = herald(pool);
  }

  /** Herald on {@code ds} with the purge off and a scripted FCM transport, migrated. */
  public static JdbcHerald herald(DataSource ds) {
    JdbcHerald h = JdbcHerald.builder(ds).purgeInterval(Duration.ZERO).transport(new ScriptedTransport(Channel.FCM))
        .build();
    h.migrate();
    return h;
  }

  /** Runs a query returning one number. */
  public long count(String sql) {
    return count(dataSource, sql);
  }

  /** Runs a query returning one number on {@code ds}. */
  public static long count(DataSource ds, String sql) {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    herald.close();
    pool.close();
  }
}
