package dev.herald.reliability.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Reads the outbox tables directly (default prefix {@code herald_}) to judge a run: what is still
 * open, what ended how, what a dead engine still holds. Independent of the outbox's own code, so a
 * bug there cannot hide itself.
 *
 * <p>State codes (schema version 1): 0 pending, 1 in flight, 2 delivered, 3 dead, 4 cancelled,
 * 5 expired, 6 target gone; notification state 0 means "not yet expanded".
 */
public final class OutboxProbe {
  private final DataSource ds;

  /** A probe over this DataSource. */
  public OutboxProbe(DataSource ds) {
    this.ds = ds;
  }

  /** One number. */
  public long count(String sql, Object... args) {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** Notifications stored. */
  public long notifications() {
    return count("SELECT count(*) FROM herald_notification");
  }

  /** Deliveries pending or in flight, plus notifications not yet expanded: work not finished. */
  public long open() {
    return count("SELECT count(*) FROM herald_delivery WHERE state IN (0, 1)")
        + count("SELECT count(*) FROM herald_notification WHERE state = 0");
  }

  /** Deliveries in flight under this lease owner. */
  public long inFlightOf(String owner) {
    return count("SELECT count(*) FROM herald_delivery WHERE state = 1 AND lease_owner = ?", owner);
  }

  /** Deliveries in flight under any lease owner. */
  public long inFlight() {
    return count("SELECT count(*) FROM herald_delivery WHERE state = 1");
  }

  /** Deliveries per state code. */
  public Map<Integer, Long> deliveriesByState() {
    Map<Integer, Long> m = new HashMap<>();
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT state, count(*) FROM herald_delivery GROUP BY state");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        m.put(rs.getInt(1), rs.getLong(2));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return m;
  }

  /** Notification keys with at least one delivered delivery. */
  public long deliveredKeys() {
    return count("SELECT count(DISTINCT n.idempotency_key) FROM herald_notification n"
        + " JOIN herald_delivery d ON d.notification_id = n.id WHERE d.state = 2");
  }

  /**
   * Notifications that did not end in a terminal state with a reason: a delivery still open, a
   * terminal non-delivered delivery without a last error, or a notification with neither deliveries
   * nor a recorded reason. This is "lost".
   */
  public long lost() {
    return count("SELECT count(*) FROM herald_notification n WHERE"
        + " n.state = 0"
        + " OR EXISTS (SELECT 1 FROM herald_delivery d WHERE d.notification_id = n.id AND (d.state IN (0, 1)"
        + "   OR (d.state IN (3, 4, 5, 6) AND d.last_error IS NULL)))"
        + " OR (NOT EXISTS (SELECT 1 FROM herald_delivery d WHERE d.notification_id = n.id) AND n.reason IS NULL)");
  }

  /** Dead deliveries (retries exhausted or rejected). */
  public long dead() {
    return count("SELECT count(*) FROM herald_delivery WHERE state = 3");
  }

  /** Rows in every outbox table: notifications, deliveries, idempotency keys, devices. */
  public long[] rows() {
    return new long[] {notifications(), count("SELECT count(*) FROM herald_delivery"),
        count("SELECT count(*) FROM herald_dedup"), count("SELECT count(*) FROM herald_device")};
  }
}
