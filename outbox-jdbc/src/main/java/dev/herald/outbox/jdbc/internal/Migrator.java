package dev.herald.outbox.jdbc.internal;

import dev.herald.outbox.jdbc.OutboxException;
import dev.herald.outbox.jdbc.OutboxSchemaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned scripts under {@code dev/herald/outbox/jdbc/migrations/<dialect>/} and
 * records each in the schema version table.
 *
 * <p>Several instances may call {@link #migrate()} at once: on PostgreSQL the whole migration runs
 * in one transaction under an advisory lock (DDL is transactional there, so a failure leaves
 * nothing); within one JVM a lock per database and prefix serializes it too; and the scripts use
 * {@code IF NOT EXISTS} so that a repeat is harmless where neither lock reaches (H2 shared by
 * several processes).
 */
public final class Migrator {
  private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);
  private static final ConcurrentHashMap<String, Object> JVM_LOCKS = new ConcurrentHashMap<>();

  /** One script: its version, what it creates, its resource name. */
  record Script(int version, String description, String file) {}

  private static final List<Script> SCRIPTS = List.of(
      new Script(1, "notifications, deliveries, idempotency keys, devices", "V1__outbox.sql"),
      new Script(2, "re-queue time of deliveries", "V2__requeued_at.sql"),
      new Script(3, "due time of notifications, indexes for the operator's views", "V3__operator_views.sql"),
      new Script(4, "scopes of deliveries and devices, the claim index by scope", "V4__scopes.sql"));

  /** The schema version this code works with. */
  public static final int CURRENT = SCRIPTS.get(SCRIPTS.size() - 1).version();

  private final Jdbi jdbi;
  private final Dialect dialect;
  private final Tables tables;

  /** A migrator for one schema. */
  public Migrator(Jdbi jdbi, Dialect dialect, Tables tables) {
    this.jdbi = jdbi;
    this.dialect = dialect;
    this.tables = tables;
  }

  /** Applies every script newer than the recorded version; returns how many it applied. */
  public int migrate() {
    String lockName;
    try {
      lockName = jdbi.withHandle(h -> {
        try {
          return h.getConnection().getMetaData().getURL();
        } catch (SQLException e) {
          return "unknown";
        }
      }) + "|" + tables.prefix();
    } catch (JdbiException e) {
      throw new OutboxException("could not connect to migrate the outbox schema: " + e.getMessage(), e);
    }
    synchronized (JVM_LOCKS.computeIfAbsent(lockName, k -> new Object())) {
      try {
        return jdbi.inTransaction(this::migrateLocked);
      } catch (IOException e) {
        throw new OutboxException("could not read a migration script: " + e.getMessage(), e);
      } catch (JdbiException e) {
        throw new OutboxException("migrating the outbox schema (prefix " + tables.prefix() + ") failed: "
            + e.getMessage(), e);
      }
    }
  }

  private int migrateLocked(Handle h) throws IOException {
    dialect.lockForMigration(h, lockKey());
    h.execute("CREATE TABLE IF NOT EXISTS " + tables.schemaVersion() + " ("
        + "version INTEGER PRIMARY KEY, description VARCHAR(200) NOT NULL, checksum BIGINT NOT NULL, "
        + "installed_at TIMESTAMP WITH TIME ZONE NOT NULL)");
    int current = h.createQuery("SELECT MAX(version) FROM " + tables.schemaVersion())
        .mapTo(Integer.class).findOne().orElse(0);
    if (current > CURRENT) {
      throw new OutboxSchemaException(schemaNewerMessage(current), current, CURRENT);
    }
    int applied = 0;
    for (Script s : SCRIPTS) {
      if (s.version() <= current) {
        continue;
      }
      String text = read(s);
      for (String statement : statements(text)) {
        h.execute(statement);
      }
      h.createUpdate("INSERT INTO " + tables.schemaVersion()
              + " (version, description, checksum, installed_at) VALUES (:v, :d, :c, CURRENT_TIMESTAMP) ON CONFLICT DO NOTHING")
          .bind("v", s.version()).bind("d", s.description()).bind("c", checksum(text)).execute();
      LOG.info("Herald outbox: applied schema version {} ({}) with table prefix {} on {}",
          s.version(), s.description(), tables.prefix(), dialect.name());
      applied++;
    }
    return applied;
  }

  /** The recorded schema version; 0 when the schema table does not exist. */
  public int currentVersion() {
    try {
      return jdbi.withHandle(h -> h.createQuery("SELECT MAX(version) FROM " + tables.schemaVersion())
          .mapTo(Integer.class).findOne().orElse(0));
    } catch (JdbiException e) {
      Optional<SQLException> sql = sqlCause(e);
      if (sql.isPresent() && dialect.isUndefinedTable(sql.get())) {
        return 0;
      }
      throw new OutboxException("could not read the outbox schema version: " + e.getMessage(), e);
    }
  }

  /** Fails with a message saying what to do unless the schema is at {@link #CURRENT}. */
  public void verify() {
    int found = currentVersion();
    if (found == 0) {
      throw new OutboxSchemaException("no Herald outbox schema found (table " + tables.schemaVersion()
          + " is missing): call JdbcOutbox.migrate() once at start-up, or apply the scripts in "
          + "dev/herald/outbox/jdbc/migrations/" + dialect.name() + "/ of herald-outbox-jdbc", 0, CURRENT);
    }
    if (found < CURRENT) {
      throw new OutboxSchemaException("the Herald outbox schema (prefix " + tables.prefix() + ") is at version "
          + found + " but this Herald needs version " + CURRENT + ": call JdbcOutbox.migrate() to upgrade it",
          found, CURRENT);
    }
    if (found > CURRENT) {
      throw new OutboxSchemaException(schemaNewerMessage(found), found, CURRENT);
    }
  }

  private String schemaNewerMessage(int found) {
    return "the Herald outbox schema (prefix " + tables.prefix() + ") is at version " + found
        + ", newer than this Herald understands (" + CURRENT + "): upgrade Herald on this instance";
  }

  private long lockKey() {
    // A stable 64-bit key per prefix, so two schemas in one database migrate independently.
    CRC32 crc = new CRC32();
    crc.update(("herald-outbox-migrate:" + tables.prefix()).getBytes(StandardCharsets.UTF_8));
    return 0x4845_5241_0000_0000L | crc.getValue();
  }

  private String read(Script s) throws IOException {
    String path = "/dev/herald/outbox/jdbc/migrations/" + dialect.name() + "/" + s.file();
    try (InputStream in = Migrator.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new OutboxException("migration script " + path + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        String sql = current.toString().strip();
        out.add(sql.substring(0, sql.length() - 1).replace("${prefix}", tables.prefix()));
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      out.add(current.toString().strip().replace("${prefix}", tables.prefix()));
    }
    return out;
  }

  private static long checksum(String text) {
    CRC32 crc = new CRC32();
    crc.update(text.getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }

  private static Optional<SQLException> sqlCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SQLException s) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
