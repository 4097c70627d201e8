package dev.herald.outbox.jdbc.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;

/**
 * One throwaway database per kind for the whole test run: an in-memory H2, or a database
 * {@code herald_t_<random>} created on the PostgreSQL named by {@code herald.test.pg.url} and dropped
 * when the JVM exits. Tests isolate themselves further with a table prefix of their own.
 */
public final class TestDatabase {
  /** The system property naming the PostgreSQL server (any database on it; we create our own). */
  public static final String PG_URL = "herald.test.pg.url";
  /** When true, a missing PostgreSQL aborts its tests as skipped instead of failing them. */
  public static final String PG_OPTIONAL = "herald.test.pg.optional";

  private static final Map<Db, TestDatabase> OPEN = new EnumMap<>(Db.class);
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static final Pattern PG = Pattern.compile("(jdbc:postgresql://[^/]+/)([^?]*)(\\?.*)?");

  private final Db db;
  private final String url;
  private final String adminUrl;
  private final String name;
  private final HikariDataSource dataSource;

  private TestDatabase(Db db, String url, String adminUrl, String name) {
    this.db = db;
    this.url = url;
    this.adminUrl = adminUrl;
    this.name = name;
    this.dataSource = pool(url, db == Db.H2 ? 40 : 30);
  }

  /** The database of this kind, created on first use. */
  public static synchronized TestDatabase get(Db db) {
    TestDatabase t = OPEN.get(db);
    if (t == null) {
      t = db == Db.H2 ? h2() : postgres();
      OPEN.put(db, t);
      TestDatabase created = t;
      Runtime.getRuntime().addShutdownHook(new Thread(created::destroy, "drop-" + created.name));
    }
    return t;
  }

  private static TestDatabase h2() {
    String name = "herald_t_" + UUID.randomUUID().toString().substring(0, 8);
    String url = "jdbc:h2:mem:" + name + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;"
        + "DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
    return new TestDatabase(Db.H2, url, null, name);
  }

  private static TestDatabase postgres() {
    String base = pgUrl();
    Matcher m = PG.matcher(base);
    if (!m.matches()) {
      throw new IllegalStateException(PG_URL + " must look like jdbc:postgresql://host:port/db?user=...: " + base);
    }
    String name = "herald_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create test database " + name + " on " + m.group(1) + ": " + e.getMessage(), e);
    }
    String url = m.group(1) + name + (m.group(3) == null ? "" : m.group(3));
    return new TestDatabase(Db.POSTGRESQL, url, base, name);
  }

  /** The PostgreSQL URL, or a failure (or abort, when optional) that says how to provide it. */
  public static String pgUrl() {
    String url = System.getProperty(PG_URL, "").trim();
    if (url.isEmpty()) {
      String msg = "PostgreSQL tests need a server: run `scripts/pg start` and pass -D" + PG_URL
          + "=\"$(scripts/pg url)\" to Maven (scripts/test does both)";
      if (Boolean.getBoolean(PG_OPTIONAL)) {
        Assumptions.abort(msg + "; skipped because " + PG_OPTIONAL + "=true");
      }
      throw new IllegalStateException(msg);
    }
    return url;
  }

  private static HikariDataSource pool(String url, int size) {
    HikariConfig cfg = new HikariConfig();
    cfg.setJdbcUrl(url);
    cfg.setMaximumPoolSize(size);
    cfg.setMinimumIdle(1);
    cfg.setConnectionTimeout(10_000);
    cfg.setPoolName("test-" + url.substring(5, Math.min(url.length(), 30)));
    return new HikariDataSource(cfg);
  }

  /** The kind. */
  public Db db() {
    return db;
  }

  /** A pooled DataSource on this database. */
  public DataSource dataSource() {
    return dataSource;
  }

  /** The JDBC URL of this database. */
  public String url() {
    return url;
  }

  /** The database name (PostgreSQL) or in-memory name (H2). */
  public String name() {
    return name;
  }

  /** A new DataSource with its own pool (the caller closes it). */
  public HikariDataSource newPool(int size) {
    return pool(url, size);
  }

  /** A table prefix no other test uses. */
  public static String newPrefix() {
    return "t" + PREFIXES.incrementAndGet() + "_" + UUID.randomUUID().toString().substring(0, 4).toLowerCase(Locale.ROOT) + "_";
  }

  /** Drops every table and sequence with this prefix. */
  public void dropPrefix(String prefix) {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      for (String t : new String[] {"notification", "delivery", "dedup", "device", "schema_version"}) {
        s.execute("DROP TABLE IF EXISTS " + prefix + t);
      }
      s.execute("DROP SEQUENCE IF EXISTS " + prefix + "notification_seq");
    } catch (SQLException e) {
      // Cleanup only: a failure here must not hide the test's own result.
    }
  }

  private void destroy() {
    dataSource.close();
    if (db == Db.POSTGRESQL) {
      try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      } catch (SQLException e) {
        System.err.println("could not drop test database " + name + ": " + e.getMessage());
      }
    }
  }
}
