package dev.herald.kafka.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.File;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A database of its own on the test PostgreSQL named by {@code herald.test.pg.url} (tests are
 * skipped without it), dropped on close; and the project's {@code scripts/pg} to stop and start
 * that server.
 */
public final class Postgres implements AutoCloseable {
  private static final Pattern PG = Pattern.compile("(jdbc:postgresql://[^/]+/)([^?]*)(\\?.*)?");
  private final String admin;
  private final String name;
  private final String url;
  private final HikariDataSource pool;

  private Postgres(String admin, String name, String url, int poolSize) {
    this.admin = admin;
    this.name = name;
    this.url = url;
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(url);
    c.setMaximumPoolSize(poolSize);
    c.setMinimumIdle(1);
    c.setConnectionTimeout(2_000);
    c.setValidationTimeout(1_000);
    c.setInitializationFailTimeout(-1);
    c.addDataSourceProperty("connectTimeout", "2");
    c.addDataSourceProperty("socketTimeout", "30");
    this.pool = new HikariDataSource(c);
  }

  /** A fresh database with a pool of {@code poolSize}; aborts the test when no server is configured. */
  public static Postgres create(int poolSize) {
    String base = System.getProperty("herald.test.pg.url", "");
    Assumptions.assumeTrue(!base.isBlank(), "no PostgreSQL configured: run through scripts/test");
    Matcher m = PG.matcher(base);
    if (!m.matches()) {
      throw new IllegalStateException("herald.test.pg.url must look like jdbc:postgresql://host:port/db?...: " + base);
    }
    String name = "herald_kafka_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (Exception e) {
      throw new IllegalStateException("creating database " + name + " failed", e);
    }
    return new Postgres(base, name, m.group(1) + name + (m.group(3) == null ? "" : m.group(3)), poolSize);
  }

  /** The pool. */
  public HikariDataSource dataSource() {
    return pool;
  }

  /** The JDBC URL of this database. */
  public String url() {
    return url;
  }

  /**
   * {@code scripts/pg <command>} of this repository (stop, start, restart, kill) for the server this
   * test uses: the port comes from {@code herald.test.pg.url}, so that no other server on the
   * machine is touched whatever the environment says.
   */
  public static void server(String command) {
    File script = new File(System.getProperty("user.dir"), "../scripts/pg").getAbsoluteFile();
    Matcher m = Pattern.compile("jdbc:postgresql://[^/:]+:(\\d+)/.*").matcher(System.getProperty("herald.test.pg.url", ""));
    if (!m.matches()) {
      throw new IllegalStateException("herald.test.pg.url names no port; refusing to stop or start a server by guess");
    }
    try {
      ProcessBuilder pb = new ProcessBuilder(script.getPath(), command).redirectErrorStream(true);
      pb.environment().put("HERALD_PG_PORT", m.group(1));
      pb.environment().remove("HERALD_PG_DIR");
      Process p = pb.start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("scripts/pg " + command + " did not finish");
      }
      String out = new String(p.getInputStream().readAllBytes());
      if (p.exitValue() != 0) {
        throw new IllegalStateException("scripts/pg " + command + " failed: " + out);
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    pool.close();
    server("start");
    try (Connection c = DriverManager.getConnection(admin); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (Exception ignored) {
      // a throwaway database on a throwaway server
    }
  }
}
