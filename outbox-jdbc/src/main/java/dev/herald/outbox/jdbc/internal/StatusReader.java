package dev.herald.outbox.jdbc.internal;

import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.NotificationStatus;
import dev.herald.NotificationStatus.DeliveryStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Reads a notification and its deliveries as a {@link NotificationStatus}. */
public final class StatusReader {
  private final Jdbi jdbi;
  private final String byKey;
  private final String byId;
  private final String deliveries;

  /** A reader for one schema. */
  public StatusReader(Jdbi jdbi, Tables t) {
    this.jdbi = jdbi;
    String cols = "n.id, n.idempotency_key, n.state, n.reason, n.created_at, n.payload";
    this.byKey = "SELECT " + cols + " FROM " + t.dedup() + " k JOIN " + t.notification()
        + " n ON n.id = k.notification_id WHERE k.idempotency_key = :key";
    this.byId = "SELECT " + cols + " FROM " + t.notification() + " n WHERE n.id = :id";
    this.deliveries = "SELECT d.id, d.device_id, d.channel, d.scope, d.state, d.attempts, d.last_error, d.provider_id, v.target FROM "
        + t.delivery() + " d LEFT JOIN " + t.device() + " v ON v.id = d.device_id WHERE d.notification_id = :id ORDER BY d.id";
  }

  private record Head(long id, String key, int state, String reason, Instant createdAt, byte[] payload) {}

  /** The current notification of an idempotency key. */
  public Optional<NotificationStatus> byKey(String key) {
    return jdbi.withHandle(h -> h.createQuery(byKey).bind("key", key).map((rs, ctx) -> head(rs)).findOne()
        .map(head -> status(h, head)));
  }

  /** A notification by id. */
  public Optional<NotificationStatus> byId(long id) {
    return jdbi.withHandle(h -> h.createQuery(byId).bind("id", id).map((rs, ctx) -> head(rs)).findOne()
        .map(head -> status(h, head)));
  }

  private static Head head(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new Head(rs.getLong("id"), rs.getString("idempotency_key"), rs.getInt("state"), rs.getString("reason"),
        Jdbc.instant(rs, "created_at"), rs.getBytes("payload"));
  }

  private NotificationStatus status(Handle h, Head head) {
    DeviceTarget explicit = PayloadCodec.decodePayload(head.payload()).target();
    List<DeliveryStatus> ds = h.createQuery(deliveries).bind("id", head.id()).map((rs, ctx) -> {
      rs.getLong("device_id");
      DeviceTarget target;
      if (rs.wasNull()) {
        target = explicit;
      } else {
        byte[] bytes = rs.getBytes("target");
        target = bytes == null ? null : PayloadCodec.decodeTarget(bytes);
      }
      return new DeliveryStatus(rs.getLong("id"), target, Codes.state(rs.getInt("state")), rs.getInt("attempts"),
          rs.getString("last_error"), rs.getString("provider_id"),
          dev.herald.Scope.of(dev.herald.Channel.of(rs.getString("channel")), rs.getString("scope")));
    }).list();
    DeliveryState state;
    String reason;
    if (head.state() == Codes.EXPANDED) {
      List<DeliveryState> states = new ArrayList<>(ds.size());
      ds.forEach(d -> states.add(d.state()));
      state = NotificationStatus.aggregate(states);
      reason = null;
      if (state != DeliveryState.DELIVERED) {
        for (DeliveryStatus d : ds) {
          if (d.state() == state && d.lastError() != null) {
            reason = d.lastError();
            break;
          }
        }
      }
    } else {
      state = Codes.state(head.state());
      reason = head.reason();
    }
    return new NotificationStatus(head.id(), head.key(), state, reason, head.createdAt(), ds);
  }
}
