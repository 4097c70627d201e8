package dev.herald.examples.spring;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The example with the postgres profile, on a database of its own on the test PostgreSQL. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ContextConfiguration(initializers = SimulatedPushServices.Initializer.class)
@ActiveProfiles("postgres")
class ScheduleRemindersPostgresTest extends ScheduleRemindersScenario {
  private static final Pattern URL = Pattern.compile("(jdbc:postgresql://[^/]+/)[^?]*\\?user=([^&]*)&password=([^&]*)");

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    String base = System.getProperty("herald.test.pg.url", "").trim();
    Matcher m = URL.matcher(base);
    if (!m.matches()) {
      throw new IllegalStateException("PostgreSQL tests need -Dherald.test.pg.url=jdbc:postgresql://host:port/db?user=..&password=.. "
          + "(scripts/test passes it): " + base);
    }
    String name = "herald_example_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create " + name + ": " + e.getMessage(), e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      } catch (SQLException e) {
        System.err.println("could not drop " + name + ": " + e.getMessage());
      }
    }));
    registry.add("spring.datasource.url", () -> m.group(1) + name);
    registry.add("spring.datasource.username", () -> m.group(2));
    registry.add("spring.datasource.password", () -> m.group(3));
  }
}
