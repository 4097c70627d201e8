package dev.herald.outbox.jdbc.internal;

import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.PrunedDevices;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The device table: registration as an upsert keyed by (channel, address hash), touch, removal,
 * invalidation, retirement, and pruning of devices that stopped receiving sends.
 *
 * <p>Whenever a device stops receiving sends for a recipient (invalidated, retired, moved to another
 * recipient, unregistered, pruned), its deliveries that are still pending are finished as "target
 * gone" in the same transaction, so nothing is sent to it later.
 *
 * <p><b>Lock order against expansion.</b> Expansion reads a recipient's active devices with
 * {@code FOR UPDATE}. Every change here that takes a device away from a recipient therefore writes
 * (or locks) the device row first and only then finishes its pending deliveries: either expansion
 * committed first, and the next statement (READ COMMITTED: a fresh snapshot) sees and finishes the
 * deliveries it inserted; or expansion waits for this transaction and then re-reads the row, which
 * no longer qualifies. Finishing pending deliveries before touching the device row would miss the
 * rows of an expansion committing in between.
 *
 * <p>Mutations run on a caller's connection inside whatever transaction it has open (plain JDBC,
 * as the enqueuer does, so the caller's transaction is never committed or rolled back here).
 */
public final class DeviceStore {
  private static final int REASON_MAX = 500;

  private final Jdbi jdbi;
  private final Dialect dialect;
  private final Tables t;
  private final Function<DeviceTarget, String> scopeName;
  private final String insert;
  private final String lockPair;
  private final String lockOne;
  private final String update;
  private final String select;
  private final String selectByRecipient;
  private final String idOf;
  private final String invalidate;
  private final String retire;
  private final String touch;
  private final String delete;
  private final String finishPending;
  private final String finishPendingOf;

  /**
   * A device store for one schema.
   *
   * @param scopeName the scope name a device's deliveries are recorded in, kept with the device
   */
  public DeviceStore(Jdbi jdbi, Dialect dialect, Tables t, Function<DeviceTarget, String> scopeName) {
    this.jdbi = jdbi;
    this.dialect = dialect;
    this.t = t;
    this.scopeName = scopeName;
    String cols = "recipient_id, channel, kind, address_hash, target, status, registered_at, last_seen_at, invalidated_at, invalid_reason";
    this.insert = "INSERT INTO " + t.device() + " (recipient_id, channel, kind, address_hash, target, scope, status,"
        + " registered_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, " + Codes.DEVICE_ACTIVE
        + ", CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) ON CONFLICT DO NOTHING";
    // Both rows of a "register X replacing Y" in id order, so two such calls cannot deadlock.
    this.lockPair = "SELECT id FROM " + t.device() + " WHERE (channel = ? AND address_hash = ?)"
        + " OR (channel = ? AND address_hash = ?) ORDER BY id FOR UPDATE";
    this.lockOne = "SELECT id, recipient_id FROM " + t.device() + " WHERE channel = ? AND address_hash = ? FOR UPDATE";
    this.update = "UPDATE " + t.device() + " SET recipient_id = ?, kind = ?, target = ?, scope = ?, status = " + Codes.DEVICE_ACTIVE
        + ", last_seen_at = CURRENT_TIMESTAMP, invalidated_at = NULL, invalid_reason = NULL WHERE id = ?";
    this.select = "SELECT id, " + cols + " FROM " + t.device() + " WHERE channel = ? AND address_hash = ?";
    this.selectByRecipient = "SELECT id, " + cols + " FROM " + t.device() + " WHERE recipient_id = :r ORDER BY id";
    this.idOf = "SELECT id FROM " + t.device() + " WHERE channel = :ch AND address_hash = :hash";
    this.invalidate = "UPDATE " + t.device() + " SET status = " + Codes.DEVICE_INVALID
        + ", invalidated_at = CURRENT_TIMESTAMP, invalid_reason = :reason WHERE id = :id AND status IN ("
        + Codes.DEVICE_ACTIVE + ", " + Codes.DEVICE_STALE + ")";
    this.retire = "UPDATE " + t.device() + " SET status = " + Codes.DEVICE_RETIRED
        + ", invalidated_at = CURRENT_TIMESTAMP, invalid_reason = ? WHERE id = ?";
    this.touch = "UPDATE " + t.device() + " SET last_seen_at = CURRENT_TIMESTAMP, status = CASE WHEN status = "
        + Codes.DEVICE_STALE + " THEN " + Codes.DEVICE_ACTIVE + " ELSE status END WHERE channel = ? AND address_hash = ?";
    this.delete = "DELETE FROM " + t.device() + " WHERE id = ?";
    String finishAsGone = "UPDATE " + t.delivery() + " SET state = " + Codes.TARGET_GONE + ", next_at = NULL,"
        + " finished_at = CURRENT_TIMESTAMP, lease_owner = NULL, last_error = ";
    this.finishPending = finishAsGone + "? WHERE device_id = ? AND state = " + Codes.PENDING;
    this.finishPendingOf = finishAsGone + ":e WHERE device_id = ANY(:ids) AND state = " + Codes.PENDING;
  }

  /** Fails with {@link dev.herald.InvalidInputException} unless the recipient id is valid. */
  public static void checkRecipient(String recipientId) {
    Objects.requireNonNull(recipientId, "recipientId");
    new Recipient.ById(recipientId);
  }

  // ---------------------------------------------------------------- mutations on a caller's connection

  /**
   * Registers or refreshes a device within the caller's transaction: inserts it, or makes it
   * active again under this recipient (last seen now, invalidation cleared). A device that changes
   * recipient has its pending deliveries finished: they were meant for its previous owner. With
   * {@code replaces}, that device (if registered) is retired and its pending deliveries finished.
   */
  public Device register(Connection c, String recipientId, DeviceTarget target, DeviceTarget replaces) throws SQLException {
    String hash = PayloadCodec.addressHash(target);
    String channel = target.channel().name();
    String oldHash = replaces == null ? null : PayloadCodec.addressHash(replaces);
    boolean replacing = replaces != null && !(replaces.channel().equals(target.channel()) && oldHash.equals(hash));
    if (replacing) {
      run(c, lockPair, ps -> {
        ps.setString(1, channel);
        ps.setString(2, hash);
        ps.setString(3, replaces.channel().name());
        ps.setString(4, oldHash);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            // Locking is the point; the ids are read again below.
          }
        }
        return null;
      });
    }
    byte[] encoded = PayloadCodec.encodeTarget(target);
    String scope = scopeName.apply(target);
    // A concurrent unregister or prune may delete the row between the insert that found it and the
    // lock: then insert again.
    for (int attempt = 0; ; attempt++) {
      int inserted = run(c, insert, ps -> {
        ps.setString(1, recipientId);
        ps.setString(2, channel);
        ps.setString(3, target.kind());
        ps.setString(4, hash);
        ps.setBytes(5, encoded);
        ps.setString(6, scope);
        return ps.executeUpdate();
      });
      if (inserted > 0) {
        break;
      }
      Locked before = run(c, lockOne, ps -> {
        ps.setString(1, channel);
        ps.setString(2, hash);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? new Locked(rs.getLong(1), rs.getString(2)) : null;
        }
      });
      if (before == null) {
        if (attempt < 3) {
          continue;
        }
        throw new IllegalStateException("device row vanished repeatedly while registering");
      }
      long id = before.id();
      run(c, update, ps -> {
        ps.setString(1, recipientId);
        ps.setString(2, target.kind());
        ps.setBytes(3, encoded);
        ps.setString(4, scope);
        ps.setLong(5, id);
        return ps.executeUpdate();
      });
      if (!before.recipientId().equals(recipientId)) {
        finishPending(c, id, "device moved to another recipient");
      }
      break;
    }
    if (replacing) {
      Long old = lockedId(c, replaces.channel().name(), oldHash);
      if (old != null) {
        run(c, retire, ps -> {
          ps.setString(1, "replaced by a newer identity of the same app instance (" + target.kind() + ")");
          ps.setLong(2, old);
          return ps.executeUpdate();
        });
        finishPending(c, old, "device retired: replaced by a newer identity of the same app instance");
      }
    }
    return run(c, select, ps -> {
      ps.setString(1, channel);
      ps.setString(2, hash);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("registered device not found");
        }
        return device(rs);
      }
    });
  }

  /** Updates last seen and revives a stale device, within the caller's transaction; false when unknown. */
  public boolean touch(Connection c, DeviceTarget target) throws SQLException {
    return run(c, touch, ps -> {
      ps.setString(1, target.channel().name());
      ps.setString(2, PayloadCodec.addressHash(target));
      return ps.executeUpdate() > 0;
    });
  }

  /** Removes a device and finishes its pending deliveries, within the caller's transaction; false when unknown. */
  public boolean unregister(Connection c, DeviceTarget target) throws SQLException {
    Long id = lockedId(c, target.channel().name(), PayloadCodec.addressHash(target));
    if (id == null) {
      return false;
    }
    int n = run(c, delete, ps -> {
      ps.setLong(1, id);
      return ps.executeUpdate();
    });
    finishPending(c, id, "device unregistered");
    return n > 0;
  }

  private Long lockedId(Connection c, String channel, String hash) throws SQLException {
    return run(c, lockOne, ps -> {
      ps.setString(1, channel);
      ps.setString(2, hash);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : null;
      }
    });
  }

  private void finishPending(Connection c, long deviceId, String reason) throws SQLException {
    run(c, finishPending, ps -> {
      ps.setString(1, Jdbc.clip(reason, REASON_MAX));
      ps.setLong(2, deviceId);
      return ps.executeUpdate();
    });
  }

  private record Locked(long id, String recipientId) {}

  /** One statement's work. */
  @FunctionalInterface
  private interface Work<T> {
    T run(PreparedStatement ps) throws SQLException;
  }

  private static <T> T run(Connection c, String sql, Work<T> work) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      return work.run(ps);
    } catch (SQLException e) {
      throw Jdbc.failed(sql, e);
    }
  }

  // ---------------------------------------------------------------- reads

  /** Every device of a recipient. */
  public List<Device> devices(String recipientId) {
    return jdbi.withHandle(h -> h.createQuery(selectByRecipient).bind("r", recipientId)
        .map((rs, ctx) -> device(rs)).list());
  }

  /** The device with this target's channel and address. */
  public Optional<Device> find(DeviceTarget target) {
    return jdbi.withHandle(h -> h.createQuery(select)
        .bind(0, target.channel().name()).bind(1, PayloadCodec.addressHash(target))
        .map((rs, ctx) -> device(rs)).findOne());
  }

  // ---------------------------------------------------------------- the completer's side

  /** The id of a registered target, or null. */
  public Long idOf(Handle h, DeviceTarget target) {
    return h.createQuery(idOf).bind("ch", target.channel().name()).bind("hash", PayloadCodec.addressHash(target))
        .mapTo(Long.class).findOne().orElse(null);
  }

  /**
   * Marks a device invalid (keeping the first reason if it already was; a retired device stays
   * retired) and finishes its pending deliveries as target gone, inside the caller's transaction.
   */
  public void invalidate(Handle h, long deviceId, String reason) {
    h.createUpdate(invalidate).bind("reason", Jdbc.clip(reason, REASON_MAX)).bind("id", deviceId).execute();
    h.createUpdate(finishPending).bind(0, Jdbc.clip("device invalidated: " + reason, REASON_MAX)).bind(1, deviceId)
        .execute();
  }

  // ---------------------------------------------------------------- pruning

  /**
   * Marks active devices not seen for {@code staleAfter} stale, then deletes invalid and retired
   * devices invalidated more than {@code retention} ago and stale devices not seen for
   * {@code staleAfter + retention}, finishing any delivery still pending to them. Small batches,
   * one transaction each; the database's clock decides.
   */
  public PrunedDevices prune(Duration staleAfter, Duration retention, int batchSize) {
    String markCandidates = dialect.lockFirst("SELECT id FROM " + t.device() + " WHERE last_seen_at < " + cutoff()
        + " AND status = " + Codes.DEVICE_ACTIVE, "last_seen_at", ":n");
    String mark = "UPDATE " + t.device() + " SET status = " + Codes.DEVICE_STALE + " WHERE id = ANY(:ids) AND status = "
        + Codes.DEVICE_ACTIVE;
    int marked = batches(batchSize, h -> {
      List<Long> ids = h.createQuery(markCandidates).bind("ms", staleAfter.toMillis()).bind("n", batchSize)
          .mapTo(Long.class).list();
      return ids.isEmpty() ? 0 : h.createUpdate(mark).bind("ids", Jdbc.longs(ids)).execute();
    });
    String gone = dialect.lockFirst("SELECT id FROM " + t.device() + " WHERE invalidated_at < " + cutoff()
        + " AND status IN (" + Codes.DEVICE_INVALID + ", " + Codes.DEVICE_RETIRED + ")", "invalidated_at", ":n");
    String stale = dialect.lockFirst("SELECT id FROM " + t.device() + " WHERE last_seen_at < " + cutoff()
        + " AND status = " + Codes.DEVICE_STALE, "last_seen_at", ":n");
    int deleted = delete(gone, retention, batchSize) + delete(stale, staleAfter.plus(retention), batchSize);
    return new PrunedDevices(marked, deleted);
  }

  private int delete(String candidates, Duration age, int batchSize) {
    String deleteIds = "DELETE FROM " + t.device() + " WHERE id = ANY(:ids)";
    return batches(batchSize, h -> {
      List<Long> ids = h.createQuery(candidates).bind("ms", age.toMillis()).bind("n", batchSize).mapTo(Long.class).list();
      if (ids.isEmpty()) {
        return 0;
      }
      int n = h.createUpdate(deleteIds).bind("ids", Jdbc.longs(ids)).execute();
      // Device row first, then its deliveries: see the class comment.
      h.createUpdate(finishPendingOf).bind("e", "device pruned").bind("ids", Jdbc.longs(ids)).execute();
      return n;
    });
  }

  private static String cutoff() {
    return "(CURRENT_TIMESTAMP - CAST(:ms AS BIGINT) * INTERVAL '0.001' SECOND)";
  }

  private int batches(int batchSize, org.jdbi.v3.core.HandleCallback<Integer, RuntimeException> batch) {
    int total = 0;
    int n;
    do {
      n = jdbi.inTransaction(batch);
      total += n;
    } while (n >= batchSize);
    return total;
  }

  /** Maps a row of the device table (every column) to a device. */
  public static Device device(ResultSet rs) throws SQLException {
    return new Device(rs.getString("recipient_id"), PayloadCodec.decodeTarget(rs.getBytes("target")),
        Codes.deviceStatus(rs.getInt("status")), Jdbc.instant(rs, "registered_at"), Jdbc.instant(rs, "last_seen_at"),
        Jdbc.instant(rs, "invalidated_at"), rs.getString("invalid_reason"));
  }
}
