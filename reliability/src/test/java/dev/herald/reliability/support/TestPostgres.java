package dev.herald.reliability.support;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A database of its own on the shared test PostgreSQL named by {@code herald.test.pg.url}
 * ({@code herald_rel_<random>}), dropped by {@link #close()}; and control of that server through
 * {@code scripts/pg} (kill -9, clean restart, start), which the database-fault tests use on purpose.
 *
 * <p>The server is shared by everyone on the machine, so restarts are kept few and short and every
 * path that stops it ends with {@link #ensureServerRunning()}.
 */
public final class TestPostgres implements AutoCloseable {
  /** The system property naming the server (any database on it). */
  public static final String URL_PROPERTY = "herald.test.pg.url";
  private static final Pattern PG = Pattern.compile("(jdbc:postgresql://[^/]+/)([^?]*)(\\?.*)?");

  private final String adminUrl;
  private final String name;
  private final String url;
  private final List<HikariDataSource> pools = new ArrayList<>();

  private TestPostgres(String adminUrl, String name, String url) {
    this.adminUrl = adminUrl;
    this.name = name;
    this.url = url;
  }

  /** The server URL, or aborts the calling test (skipped) when none was configured. */
  public static String serverUrl() {
    String u = System.getProperty(URL_PROPERTY, "");
    Assumptions.assumeTrue(!u.isBlank(), "no PostgreSQL configured: run through scripts/test, or pass -D" + URL_PROPERTY);
    return u;
  }

  /** Creates a fresh database on the configured server. */
  public static TestPostgres create() {
    String base = serverUrl();
    Matcher m = PG.matcher(base);
    if (!m.matches()) {
      throw new IllegalStateException(URL_PROPERTY + " must look like jdbc:postgresql://host:port/db?user=...: " + base);
    }
    String name = "herald_rel_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Waits.retrying(Duration.ofSeconds(60), "create database " + name, () -> {
      try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + name);
      }
      return null;
    });
    return new TestPostgres(base, name, m.group(1) + name + (m.group(3) == null ? "" : m.group(3)));
  }

  /** The JDBC URL of this test's database (with user and password). */
  public String url() {
    return url;
  }

  /** The database name. */
  public String name() {
    return name;
  }

  /**
   * A connection pool on this database that fails fast while the server is down (3 s to get a
   * connection), so that engines notice an outage in seconds; closed with this object.
   */
  public synchronized HikariDataSource pool(String poolName, int size) {
    HikariDataSource ds = new HikariDataSource(poolConfig(url, poolName, size));
    pools.add(ds);
    return ds;
  }

  /** The pool settings every engine in this suite uses, for reuse in engine processes. */
  public static HikariConfig poolConfig(String url, String poolName, int size) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(url);
    c.setPoolName(poolName);
    c.setMaximumPoolSize(size);
    c.setMinimumIdle(1);
    c.setConnectionTimeout(3_000);
    c.setValidationTimeout(1_000);
    // Do not fail pool creation while the server restarts: the engine copes with an outage itself.
    c.setInitializationFailTimeout(-1);
    c.addDataSourceProperty("connectTimeout", "3");
    c.addDataSourceProperty("socketTimeout", "30");
    c.addDataSourceProperty("tcpKeepAlive", "true");
    return c;
  }

  /** Runs a query returning one number on a connection of its own. */
  public long scalar(String sql) {
    return Waits.retrying(Duration.ofSeconds(60), sql, () -> {
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  /** Number of this database's server connections (other than the one asking). */
  public long serverConnections() {
    return scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
  }

  /**
   * Terminates every other connection to this database: a database fault that touches nobody
   * else's work on the shared server.
   *
   * @return how many connections were terminated
   */
  public long terminateConnections() {
    return scalar("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        + " WHERE datname = current_database() AND pid <> pg_backend_pid()) t");
  }

  /** Closes the pools and drops the database (terminating what is left connected). */
  @Override
  public synchronized void close() {
    pools.forEach(HikariDataSource::close);
    pools.clear();
    ensureServerRunning();
    Waits.retrying(Duration.ofSeconds(60), "drop database " + name, () -> {
      try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
      return null;
    });
  }

  // ---------------------------------------------------------------- server control

  /** {@code scripts/pg kill}: kill -9 of the postmaster; returns when it is gone. */
  public static void killServer() {
    script("kill");
  }

  /** {@code scripts/pg restart}: a clean (fast) restart. */
  public static void restartServer() {
    script("restart");
  }

  /** {@code scripts/pg start}, retried until the server accepts connections again. */
  public static void ensureServerRunning() {
    Waits.retrying(Duration.ofSeconds(120), "scripts/pg start", () -> {
      script("start");
      return null;
    });
  }

  /** Whether this machine can control the server (the script is there). */
  public static boolean canControlServer() {
    return pgScript().canExecute();
  }

  private static File pgScript() {
    // Surefire runs in the module directory; the script lives in the repository's scripts/ folder.
    return new File(System.getProperty("user.dir"), "../scripts/pg").getAbsoluteFile();
  }

  private static void script(String command) {
    File script = pgScript();
    try {
      Process p = new ProcessBuilder(script.getPath(), command).redirectErrorStream(true).start();
      String out;
      boolean done = p.waitFor(120, TimeUnit.SECONDS);
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!done) {
        p.destroyForcibly();
        throw new IllegalStateException("scripts/pg " + command + " did not finish in 120 s: " + out);
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("scripts/pg " + command + " failed (" + p.exitValue() + "): " + out.strip());
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running scripts/pg " + command.toLowerCase(Locale.ROOT), e);
    }
  }
}
