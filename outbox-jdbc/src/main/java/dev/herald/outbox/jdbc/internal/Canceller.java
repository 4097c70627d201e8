package dev.herald.outbox.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Cancels what is not yet claimed of a notification: the unexpanded notification itself, or its
 * pending deliveries. Runs on whatever connection it is given, in the caller's transaction or one
 * the outbox opened; an in-flight delivery is not touched (its lease holder decides it).
 */
public final class Canceller {
  private static final int REASON_MAX = 500;

  private final String findKey;
  private final String cancelNotification;
  private final String cancelDeliveries;

  /** Statements for one schema. */
  public Canceller(Tables t) {
    this.findKey = "SELECT notification_id FROM " + t.dedup() + " WHERE idempotency_key = ?";
    String finish = " SET state = " + Codes.CANCELLED + ", next_at = NULL, finished_at = CURRENT_TIMESTAMP, ";
    this.cancelNotification = "UPDATE " + t.notification() + finish + "reason = ? WHERE id = ? AND state = "
        + Codes.PENDING;
    this.cancelDeliveries = "UPDATE " + t.delivery() + finish + "last_error = ? WHERE notification_id = ? AND state = "
        + Codes.PENDING;
  }

  /** Cancels the notification of this key; true when anything changed. */
  public boolean cancel(Connection c, String idempotencyKey, String reason) throws SQLException {
    Long id = null;
    try (PreparedStatement ps = c.prepareStatement(findKey)) {
      ps.setString(1, idempotencyKey);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          id = rs.getLong(1);
        }
      }
    }
    if (id == null) {
      return false;
    }
    String r = Jdbc.clip(reason, REASON_MAX);
    return update(c, cancelNotification, r, id) + update(c, cancelDeliveries, r, id) > 0;
  }

  private static int update(Connection c, String sql, String reason, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, reason);
      ps.setLong(2, id);
      return ps.executeUpdate();
    }
  }
}
