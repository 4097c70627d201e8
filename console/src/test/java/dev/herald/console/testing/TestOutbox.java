package dev.herald.console.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.store.ClaimRequest;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.spi.InputValidator;
import dev.herald.store.Resolution;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/** A migrated outbox on a private H2 database (or PostgreSQL, under a fresh table prefix), driven through its public API. */
public final class TestOutbox implements AutoCloseable {
  // Identifiers refuse bidi/format characters (they would make two ids look alike), so the hostile id
  // is markup and script; the provider error below, stored as the push service sent it, carries the bidi.
  public static final String HOSTILE = "<img src=x onerror=\"window.__pwned=1\">'\";alert(1)//gnp.exe";
  public static final String HOSTILE_ERROR = "</td><script>window.__pwned=2</script><b onmouseover=alert(3)>400</b>\u202E";
  /** How the outbox stores that provider error: format characters written out as {@code \u202e}, never raw. */
  public static final String HOSTILE_ERROR_AS_STORED = HOSTILE_ERROR.replace("\u202E", "\\u202e");

  public final HikariDataSource dataSource;
  public final JdbcOutbox outbox;
  private final String prefix;
  private final boolean postgres;

  private TestOutbox(HikariDataSource ds, String prefix, boolean postgres) {
    this.dataSource = ds;
    this.prefix = prefix;
    this.postgres = postgres;
    this.outbox = JdbcOutbox.builder(ds).tablePrefix(prefix).purgeInterval(Duration.ZERO).validator(InputValidator.none()).build();
    outbox.migrate();
  }

  /** A private in-memory H2 database. */
  public static TestOutbox h2() {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl("jdbc:h2:mem:console-" + UUID.randomUUID()
        + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
    c.setMaximumPoolSize(8);
    c.setConnectionTimeout(2000);
    return new TestOutbox(new HikariDataSource(c), "herald_", false);
  }

  /** The PostgreSQL of -Dherald.test.pg.url under a fresh prefix, or null when no URL is given. */
  public static TestOutbox postgresOrNull() {
    String url = System.getProperty("herald.test.pg.url", "");
    if (url.isEmpty()) {
      return null;
    }
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(url);
    c.setMaximumPoolSize(6);
    c.setConnectionTimeout(3000);
    return new TestOutbox(new HikariDataSource(c), "hc_" + UUID.randomUUID().toString().substring(0, 8) + "_", true);
  }

  /** Claims what is due on the channel and completes each claim as {@code decide} says (null: leave it in flight). */
  public List<ClaimedDelivery> settle(Channel channel, Function<ClaimedDelivery, Resolution> decide) {
    List<ClaimedDelivery> claimed = outbox.claim(new ClaimRequest("test-engine", Duration.ofMinutes(5), Map.of(channel, 1000)))
        .deliveries();
    List<Completion> done = new ArrayList<>();
    for (ClaimedDelivery c : claimed) {
      Resolution r = decide.apply(c);
      if (r != null) {
        done.add(new Completion(c.delivery().deliveryId(), c.fencingToken(), r));
      }
    }
    outbox.complete(done);
    return claimed;
  }

  /** A notification for {@code recipient} that dies on its one device with {@code error}. */
  public void kill(String key, String recipient, DeviceTarget device, String error) {
    outbox.register(recipient, device);
    outbox.enqueue(Notification.builder(key).recipient(Recipient.id(recipient)).title("title of " + key).build());
    settle(device.channel(), c -> new Resolution.Dead(Outcome.rejected("400", error)));
  }

  /** Runs SQL with {@code ${p}} as the table prefix (test set-up only, such as ageing rows). */
  public void execute(String sql) {
    try (Connection c = dataSource.isClosed() ? java.sql.DriverManager.getConnection(dataSource.getJdbcUrl())
        : dataSource.getConnection(); Statement s = c.createStatement()) {
      s.execute(sql.replace("${p}", prefix));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    outbox.close();
    if (postgres) {
      for (String t : List.of("delivery", "notification", "dedup", "device", "schema_version")) {
        execute("DROP TABLE IF EXISTS ${p}" + t);
      }
      execute("DROP SEQUENCE IF EXISTS ${p}notification_seq");
    }
    dataSource.close();
  }
}
