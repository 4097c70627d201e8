package dev.herald.outbox.jdbc.internal;

import dev.herald.Device;
import dev.herald.DeviceTarget;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The device table: registration as an upsert keyed by (channel, address hash), invalidation,
 * retirement and removal. Whenever a device stops receiving sends, its deliveries that are still
 * pending are finished as "target gone" in the same transaction, so nothing is sent to it later.
 */
public final class DeviceStore {
  private final Jdbi jdbi;
  private final String insert;
  private final String update;
  private final String select;
  private final String selectByRecipient;
  private final String idOf;
  private final String invalidate;
  private final String retire;
  private final String touch;
  private final String delete;
  private final String finishPending;

  /** A device store for one schema. */
  public DeviceStore(Jdbi jdbi, Tables t) {
    this.jdbi = jdbi;
    String cols = "recipient_id, channel, kind, address_hash, target, status, registered_at, last_seen_at, invalidated_at, invalid_reason";
    this.insert = "INSERT INTO " + t.device() + " (recipient_id, channel, kind, address_hash, target, status, registered_at, last_seen_at)"
        + " VALUES (:r, :ch, :kind, :hash, :target, " + Codes.DEVICE_ACTIVE + ", CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) ON CONFLICT DO NOTHING";
    this.update = "UPDATE " + t.device() + " SET recipient_id = :r, kind = :kind, target = :target, status = " + Codes.DEVICE_ACTIVE
        + ", last_seen_at = CURRENT_TIMESTAMP, invalidated_at = NULL, invalid_reason = NULL WHERE channel = :ch AND address_hash = :hash";
    this.select = "SELECT id, " + cols + " FROM " + t.device() + " WHERE channel = :ch AND address_hash = :hash";
    this.selectByRecipient = "SELECT id, " + cols + " FROM " + t.device() + " WHERE recipient_id = :r ORDER BY id";
    this.idOf = "SELECT id FROM " + t.device() + " WHERE channel = :ch AND address_hash = :hash";
    this.invalidate = "UPDATE " + t.device() + " SET status = " + Codes.DEVICE_INVALID
        + ", invalidated_at = CURRENT_TIMESTAMP, invalid_reason = :reason WHERE id = :id AND status IN ("
        + Codes.DEVICE_ACTIVE + ", " + Codes.DEVICE_STALE + ")";
    this.retire = "UPDATE " + t.device() + " SET status = " + Codes.DEVICE_RETIRED
        + ", invalidated_at = CURRENT_TIMESTAMP, invalid_reason = :reason WHERE id = :id";
    this.touch = "UPDATE " + t.device() + " SET last_seen_at = CURRENT_TIMESTAMP, status = CASE WHEN status = "
        + Codes.DEVICE_STALE + " THEN " + Codes.DEVICE_ACTIVE + " ELSE status END WHERE channel = :ch AND address_hash = :hash";
    this.delete = "DELETE FROM " + t.device() + " WHERE id = :id";
    this.finishPending = "UPDATE " + t.delivery() + " SET state = " + Codes.TARGET_GONE + ", next_at = NULL,"
        + " finished_at = CURRENT_TIMESTAMP, lease_owner = NULL, last_error = :reason"
        + " WHERE device_id = :id AND state = " + Codes.PENDING;
  }

  /** Registers or refreshes a device, moving it to this recipient if it was someone else's. */
  public Device register(String recipientId, DeviceTarget target, DeviceTarget replaces) {
    Objects.requireNonNull(recipientId, "recipientId");
    Objects.requireNonNull(target, "target");
    new dev.herald.Recipient.ById(recipientId); // validates the id
    return jdbi.inTransaction(h -> {
      String hash = PayloadCodec.addressHash(target);
      byte[] encoded = PayloadCodec.encodeTarget(target);
      int inserted = h.createUpdate(insert).bind("r", recipientId).bind("ch", target.channel().name())
          .bind("kind", target.kind()).bind("hash", hash).bind("target", encoded).execute();
      if (inserted == 0) {
        Device before = find(h, target).orElseThrow();
        long id = idOfOrNull(h, target);
        if (!before.recipientId().equals(recipientId)) {
          // A device that changes hands must not receive what was meant for its previous owner.
          finishPending(h, id, "device moved to another recipient");
        }
        h.createUpdate(update).bind("r", recipientId).bind("ch", target.channel().name()).bind("kind", target.kind())
            .bind("hash", hash).bind("target", encoded).execute();
      }
      if (replaces != null && !PayloadCodec.addressHash(replaces).equals(hash)) {
        Long old = idOfOrNull(h, replaces);
        if (old != null) {
          h.createUpdate(retire).bind("reason", "replaced by a newer identity of the same app instance")
              .bind("id", old).execute();
          finishPending(h, old, "device retired: replaced by a newer identity");
        }
      }
      return find(h, target).orElseThrow();
    });
  }

  /** Updates last-seen; false when unknown. */
  public boolean touch(DeviceTarget target) {
    return jdbi.withHandle(h -> h.createUpdate(touch).bind("ch", target.channel().name())
        .bind("hash", PayloadCodec.addressHash(target)).execute() > 0);
  }

  /** Removes a device, finishing its pending deliveries; false when unknown. */
  public boolean unregister(DeviceTarget target) {
    return jdbi.inTransaction(h -> {
      Long id = idOfOrNull(h, target);
      if (id == null) {
        return false;
      }
      finishPending(h, id, "device unregistered");
      return h.createUpdate(delete).bind("id", id).execute() > 0;
    });
  }

  /** Every device of a recipient. */
  public List<Device> devices(String recipientId) {
    return jdbi.withHandle(h -> h.createQuery(selectByRecipient).bind("r", recipientId)
        .map((rs, ctx) -> device(rs)).list());
  }

  /** The device with this target's channel and address. */
  public Optional<Device> find(DeviceTarget target) {
    return jdbi.withHandle(h -> find(h, target));
  }

  private Optional<Device> find(Handle h, DeviceTarget target) {
    return h.createQuery(select).bind("ch", target.channel().name()).bind("hash", PayloadCodec.addressHash(target))
        .map((rs, ctx) -> device(rs)).findOne();
  }

  /** The id of a registered target, or null. */
  public Long idOf(Handle h, DeviceTarget target) {
    return idOfOrNull(h, target);
  }

  private Long idOfOrNull(Handle h, DeviceTarget target) {
    return h.createQuery(idOf).bind("ch", target.channel().name()).bind("hash", PayloadCodec.addressHash(target))
        .mapTo(Long.class).findOne().orElse(null);
  }

  /**
   * Marks a device invalid (keeping the first reason if it already was) and finishes its pending
   * deliveries as target gone, inside the caller's transaction.
   */
  public void invalidate(Handle h, long deviceId, String reason) {
    h.createUpdate(invalidate).bind("reason", reason).bind("id", deviceId).execute();
    finishPending(h, deviceId, "device invalidated: " + reason);
  }

  private void finishPending(Handle h, long deviceId, String reason) {
    h.createUpdate(finishPending).bind("reason", Jdbc.clip(reason, 500)).bind("id", deviceId).execute();
  }

  private static Device device(ResultSet rs) throws SQLException {
    return new Device(rs.getString("recipient_id"), PayloadCodec.decodeTarget(rs.getBytes("target")),
        Codes.deviceStatus(rs.getInt("status")), Jdbc.instant(rs, "registered_at"), Jdbc.instant(rs, "last_seen_at"),
        Jdbc.instant(rs, "invalidated_at"), rs.getString("invalid_reason"));
  }
}
