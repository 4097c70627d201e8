package dev.herald.spring.boot.autoconfigure;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * The two databases the starter is tested on. Each {@link #fresh()} is a database of its own: an
 * in-memory H2, or a database created on the test PostgreSQL named by {@code herald.test.pg.url}
 * and dropped when the JVM exits; contexts given the same URL share it, like instances of one service.
 */
enum Db {
  H2, POSTGRESQL;

  private static final Pattern PG = Pattern.compile("(jdbc:postgresql://[^/]+/)([^?]*)(\\?.*)?");

  /** The JDBC URL of a new, empty database. */
  String fresh() {
    String name = "herald_sb_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    if (this == H2) {
      return "jdbc:h2:mem:" + name + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1";
    }
    String base = pgUrl();
    Matcher m = PG.matcher(base);
    if (!m.matches()) {
      throw new IllegalStateException("herald.test.pg.url must look like jdbc:postgresql://host:port/db?user=...: " + base);
    }
    try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create test database " + name + ": " + e.getMessage(), e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      } catch (SQLException e) {
        System.err.println("could not drop test database " + name + ": " + e.getMessage());
      }
    }));
    return m.group(1) + name + (m.group(3) == null ? "" : m.group(3));
  }

  /** Properties that point Spring Boot's DataSource at a new database. */
  Map<String, String> dataSourceProperties() {
    return Map.of("spring.datasource.url", fresh());
  }

  /** The test PostgreSQL's URL; fails (or, with herald.test.pg.optional=true, skips) without one. */
  static String pgUrl() {
    String url = System.getProperty("herald.test.pg.url", "").trim();
    if (url.isEmpty()) {
      String msg = "PostgreSQL tests need a server: run `scripts/pg start` and pass -Dherald.test.pg.url=\"$(scripts/pg url)\" "
          + "to Maven (scripts/test does both)";
      if (Boolean.getBoolean("herald.test.pg.optional")) {
        Assumptions.abort(msg);
      }
      throw new IllegalStateException(msg);
    }
    return url;
  }
}
