package dev.herald.outbox.jdbc.testing;

import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.store.ClaimBatch;
import dev.herald.store.ClaimRequest;
import dev.herald.store.ClaimedDelivery;
import dev.herald.spi.InputValidator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** A migrated outbox under a fresh table prefix, dropped on {@link #close()}. */
public final class Fixture implements AutoCloseable {
  /** A lease long enough never to expire during a test unless a test wants it to. */
  public static final Duration LONG_LEASE = Duration.ofMinutes(5);

  public final TestDatabase database;
  public final String prefix;
  public final JdbcOutbox outbox;
  private final List<JdbcOutbox> extra = new ArrayList<>();

  public Fixture(Db db) {
    this(db, b -> b);
  }

  public Fixture(Db db, UnaryOperator<JdbcOutbox.Builder> config) {
    this.database = TestDatabase.get(db);
    this.prefix = TestDatabase.newPrefix();
    this.outbox = config.apply(JdbcOutbox.builder(database.dataSource()).tablePrefix(prefix).purgeInterval(Duration.ZERO)
        .validator(InputValidator.none()))
        .build();
    outbox.migrate();
  }

  /** Another outbox instance on the same tables (another "app instance"). */
  public JdbcOutbox another(UnaryOperator<JdbcOutbox.Builder> config) {
    JdbcOutbox o = config.apply(JdbcOutbox.builder(database.dataSource()).tablePrefix(prefix).purgeInterval(Duration.ZERO)
        .validator(InputValidator.none()))
        .build();
    extra.add(o);
    return o;
  }

  /** A notification to an explicit FCM device. */
  public static Notification toDevice(String key) {
    return Notification.builder(key).recipient(Recipient.device(new DeviceTarget.FcmToken("tok-" + key.hashCode())))
        .title("t").body("b").build();
  }

  /** A notification for a recipient id. */
  public static Notification toRecipient(String key, String recipientId) {
    return Notification.builder(key).recipient(Recipient.id(recipientId)).title("t").body("b").build();
  }

  /** Claims up to {@code n} FCM deliveries with a long lease. */
  public ClaimBatch claimFcm(int n) {
    return claim("test", Channel.FCM, n, LONG_LEASE);
  }

  /** Claims on one channel. */
  public ClaimBatch claim(String owner, Channel channel, int n, Duration lease) {
    return outbox.claim(new ClaimRequest(owner, lease, Map.of(channel, n)));
  }

  /** Claims once; fails unless exactly one delivery came back. */
  public ClaimedDelivery claimOne() {
    ClaimBatch b = claimFcm(10);
    if (b.deliveries().size() != 1) {
      throw new AssertionError("expected one claimed delivery, got " + b.deliveries());
    }
    return b.deliveries().get(0);
  }

  /** The database's clock. */
  public Instant dbNow() {
    return queryInstant("SELECT CURRENT_TIMESTAMP");
  }

  /** Runs a query returning one number. */
  public long count(String sqlWithPrefixPlaceholder) {
    try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sqlWithPrefixPlaceholder.replace("${p}", prefix))) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs a statement with {@code ${p}} replaced by the prefix. */
  public int execute(String sql) {
    try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
      return s.executeUpdate(sql.replace("${p}", prefix));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private Instant queryInstant(String sql) {
    try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    extra.forEach(JdbcOutbox::close);
    outbox.close();
    database.dropPrefix(prefix);
  }
}
