package dev.herald.outbox.jdbc.internal;

import dev.herald.DeviceTarget;
import dev.herald.EnqueueResult;
import dev.herald.Notification;
import dev.herald.Recipient;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Writes notifications on a caller's connection, inside whatever transaction it has open. Plain
 * JDBC rather than jdbi so that the caller's transaction is never touched: no commit, no rollback,
 * no handle bookkeeping around a connection Herald does not own.
 *
 * <p>The idempotency key's row in the dedup table is written first with
 * {@code INSERT ... ON CONFLICT DO NOTHING}: under concurrent duplicates the second insert waits for
 * the first transaction and then does nothing, so no constraint error ever reaches the caller. Keys
 * of one batch are inserted in sorted order so that two concurrent batches cannot deadlock on
 * each other's keys.
 */
public final class Enqueuer {
  private static final long DUE_SOON_MILLIS = 1_000;

  private final Tables t;
  private final Dialect dialect;
  private final Duration dedupWindow;
  private final Function<DeviceTarget, String> scopeName;
  private final boolean customPlans;
  private final String nextIds;
  private final String insertKey;
  private final String readKey;
  private final String openDeliveries;
  private final String reviveKey;
  private final String insertNotification;
  private final String insertDelivery;

  /**
   * An enqueuer for one schema.
   *
   * @param scopeName the scope name an explicit target's delivery is recorded in
   */
  public Enqueuer(Tables t, Dialect dialect, Duration dedupWindow, Function<DeviceTarget, String> scopeName) {
    this.t = t;
    this.dialect = dialect;
    this.dedupWindow = dedupWindow;
    this.scopeName = scopeName;
    this.customPlans = dialect instanceof PostgresDialect && PostgresDialect.PGJDBC;
    this.nextIds = "SELECT nextval('" + t.notificationSeq() + "') FROM generate_series(1, ?)";
    this.insertKey = "INSERT INTO " + t.dedup() + " (idempotency_key, notification_id) VALUES (?, ?) ON CONFLICT DO NOTHING";
    this.readKey = "SELECT k.notification_id, k.forget_after, n.state, n.created_at, n.finished_at, CURRENT_TIMESTAMP AS now"
        + " FROM " + t.dedup() + " k LEFT JOIN " + t.notification() + " n ON n.id = k.notification_id"
        + " WHERE k.idempotency_key = ?";
    this.openDeliveries = "SELECT SUM(CASE WHEN next_at IS NOT NULL THEN 1 ELSE 0 END), MAX(finished_at) FROM "
        + t.delivery() + " WHERE notification_id = ?";
    this.reviveKey = "UPDATE " + t.dedup() + " SET notification_id = ?, forget_after = NULL"
        + " WHERE idempotency_key = ? AND notification_id = ?";
    this.insertNotification = "INSERT INTO " + t.notification()
        + " (id, idempotency_key, recipient_id, state, next_at, expires_at, created_at, payload, due_at)"
        + " VALUES (?, ?, ?, ?, CASE WHEN ? = 1 THEN COALESCE(CAST(? AS TIMESTAMP WITH TIME ZONE), CURRENT_TIMESTAMP) END,"
        + " CAST(? AS TIMESTAMP WITH TIME ZONE), CURRENT_TIMESTAMP, ?, COALESCE(CAST(? AS TIMESTAMP WITH TIME ZONE), CURRENT_TIMESTAMP))";
    this.insertDelivery = "INSERT INTO " + t.delivery() + " (notification_id, device_id, channel, scope, state, next_at)"
        + " VALUES (?, NULL, ?, ?, " + Codes.PENDING + ", COALESCE(CAST(? AS TIMESTAMP WITH TIME ZONE), CURRENT_TIMESTAMP))";
  }

  /**
   * What one call did: a result per input (in input order), whether a due-now notification was
   * created, and whether one of those is for a recipient (so expansion has work).
   */
  public record Outcome(List<EnqueueResult> results, boolean wakeUp, boolean recipients) {}

  /** NOTIFY payload: some created notification needs expansion. */
  public static final String PAYLOAD_RECIPIENTS = "r";
  /** NOTIFY payload: deliveries only. */
  public static final String PAYLOAD_DELIVERIES = "d";

  /**
   * Enqueues on {@code c} within its current transaction (the caller commits). The connection must
   * not be in auto-commit mode.
   */
  public Outcome enqueue(Connection c, List<Notification> notifications) throws SQLException {
    int n = notifications.size();
    EnqueueResult[] results = new EnqueueResult[n];
    if (n == 0) {
      return new Outcome(List.of(), false, false);
    }
    long[] ids = allocateIds(c, n);
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparing(i -> notifications.get(i).idempotencyKey()));

    int[] counts = insertKeys(c, notifications, ids, order);
    Set<Long> batchIds = new HashSet<>();
    for (long id : ids) {
      batchIds.add(id);
    }
    List<Integer> created = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      int i = order[k];
      Notification note = notifications.get(i);
      long existing = counts[k] == 1 ? ids[i] : resolveConflict(c, note.idempotencyKey(), ids[i], batchIds);
      if (existing == ids[i]) {
        created.add(i);
        results[i] = new EnqueueResult(ids[i], true);
      } else {
        results[i] = new EnqueueResult(existing, false);
      }
    }
    boolean wakeUp = false;
    boolean recipients = false;
    if (!created.isEmpty()) {
      insertRows(c, notifications, ids, created);
      Instant soon = Instant.now().plusMillis(DUE_SOON_MILLIS);
      for (int i : created) {
        Notification note = notifications.get(i);
        if (note.notBefore() == null || note.notBefore().isBefore(soon)) {
          wakeUp = true;
          recipients |= note.recipient() instanceof Recipient.ById;
        }
      }
      if (wakeUp && dialect.supportsNotify()) {
        try (PreparedStatement ps = c.prepareStatement(dialect.notifyStatement())) {
          ps.setString(1, t.notifyChannel());
          ps.setString(2, recipients ? PAYLOAD_RECIPIENTS : PAYLOAD_DELIVERIES);
          ps.execute();
        }
      }
    }
    return new Outcome(Arrays.asList(results), wakeUp, recipients);
  }

  // The conflict path looks keys up on the caller's connection; see PostgresDialect.configure.
  private void plan(PreparedStatement ps) throws SQLException {
    if (customPlans) {
      PgCustomPlans.apply(ps);
    }
  }

  private long[] allocateIds(Connection c, int n) throws SQLException {
    long[] ids = new long[n];
    try (PreparedStatement ps = c.prepareStatement(nextIds)) {
      ps.setInt(1, n);
      try (ResultSet rs = ps.executeQuery()) {
        for (int i = 0; i < n; i++) {
          if (!rs.next()) {
            throw new SQLException("sequence " + t.notificationSeq() + " returned fewer than " + n + " values");
          }
          ids[i] = rs.getLong(1);
        }
      }
    }
    return ids;
  }

  private int[] insertKeys(Connection c, List<Notification> ns, long[] ids, Integer[] order) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(insertKey)) {
      if (ns.size() == 1) {
        ps.setString(1, ns.get(0).idempotencyKey());
        ps.setLong(2, ids[0]);
        return new int[] {ps.executeUpdate()};
      }
      for (int i : order) {
        ps.setString(1, ns.get(i).idempotencyKey());
        ps.setLong(2, ids[i]);
        ps.addBatch();
      }
      return ps.executeBatch();
    }
  }

  /**
   * The id the key stands for after a conflicting insert: the existing notification's, or
   * {@code ourId} when the existing entry was past its dedup window and this call took it over.
   */
  private long resolveConflict(Connection c, String key, long ourId, Set<Long> batchIds) throws SQLException {
    for (int round = 0; round < 5; round++) {
      KeyRow row = readKey(c, key);
      if (row == null) {
        // The entry was forgotten (purged) between our insert and this read: insert again.
        try (PreparedStatement ps = c.prepareStatement(insertKey)) {
          ps.setString(1, key);
          ps.setLong(2, ourId);
          if (ps.executeUpdate() == 1) {
            return ourId;
          }
        }
        continue;
      }
      if (row.notificationId == ourId) {
        return ourId; // a driver that reported SUCCESS_NO_INFO for our own insert
      }
      if (batchIds.contains(row.notificationId) || !forgettable(c, row)) {
        return row.notificationId;
      }
      try (PreparedStatement ps = c.prepareStatement(reviveKey)) {
        plan(ps);
        ps.setLong(1, ourId);
        ps.setString(2, key);
        ps.setLong(3, row.notificationId);
        if (ps.executeUpdate() == 1) {
          return ourId;
        }
      }
      // Someone else revived it first: read again and report theirs.
    }
    throw new SQLException("idempotency key kept changing under a concurrent enqueue; try again");
  }

  private record KeyRow(long notificationId, Instant forgetAfter, Integer state, Instant createdAt,
      Instant finishedAt, Instant now) {}

  private KeyRow readKey(Connection c, String key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(readKey)) {
      plan(ps);
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        int state = rs.getInt(3);
        Integer st = rs.wasNull() ? null : state;
        return new KeyRow(rs.getLong(1), Jdbc.instant(rs, 2), st, Jdbc.instant(rs, 4), Jdbc.instant(rs, 5),
            Jdbc.instant(rs, 6));
      }
    }
  }

  /** Whether a known key finished longer than the dedup window ago, so it may be enqueued afresh. */
  private boolean forgettable(Connection c, KeyRow row) throws SQLException {
    if (row.forgetAfter != null) {
      return !row.forgetAfter.isAfter(row.now);
    }
    if (row.state == null) {
      // No notification and no forget time: an entry of this very transaction. Known.
      return false;
    }
    if (row.createdAt.plus(dedupWindow).isAfter(row.now)) {
      return false; // cannot have finished a whole window ago
    }
    Instant finished;
    switch (row.state) {
      case Codes.PENDING:
        return false;
      case Codes.EXPANDED:
        try (PreparedStatement ps = c.prepareStatement(openDeliveries)) {
          plan(ps);
          ps.setLong(1, row.notificationId);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            if (rs.getLong(1) > 0) {
              return false;
            }
            finished = Jdbc.instant(rs, 2);
          }
        }
        break;
      default:
        finished = row.finishedAt;
    }
    return finished == null || !finished.plus(dedupWindow).isAfter(row.now);
  }

  private void insertRows(Connection c, List<Notification> ns, long[] ids, List<Integer> created) throws SQLException {
    boolean anyDirect = false;
    try (PreparedStatement ps = c.prepareStatement(insertNotification)) {
      for (int i : created) {
        Notification n = ns.get(i);
        boolean byId = n.recipient() instanceof Recipient.ById;
        anyDirect |= !byId;
        ps.setLong(1, ids[i]);
        ps.setString(2, n.idempotencyKey());
        ps.setString(3, byId ? ((Recipient.ById) n.recipient()).recipientId() : null);
        ps.setInt(4, byId ? Codes.PENDING : Codes.EXPANDED);
        ps.setInt(5, byId ? 1 : 0);
        Jdbc.setInstant(ps, 6, n.notBefore());
        Jdbc.setInstant(ps, 7, n.expiresAt());
        ps.setBytes(8, PayloadCodec.encodePayload(n.content(), n.options(),
            byId ? null : ((Recipient.ToDevice) n.recipient()).target()));
        Jdbc.setInstant(ps, 9, n.notBefore());
        execute(ps, created.size());
      }
      flush(ps, created.size());
    }
    if (!anyDirect) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(insertDelivery)) {
      int count = 0;
      for (int i : created) {
        Notification n = ns.get(i);
        if (n.recipient() instanceof Recipient.ToDevice d) {
          count++;
        }
      }
      for (int i : created) {
        Notification n = ns.get(i);
        if (n.recipient() instanceof Recipient.ToDevice d) {
          ps.setLong(1, ids[i]);
          ps.setString(2, d.target().channel().name());
          ps.setString(3, scopeName.apply(d.target()));
          Jdbc.setInstant(ps, 4, n.notBefore());
          execute(ps, count);
        }
      }
      flush(ps, count);
    }
  }

  // One row runs as a plain statement; several go as one JDBC batch (one round trip).
  private static void execute(PreparedStatement ps, int total) throws SQLException {
    if (total == 1) {
      ps.executeUpdate();
    } else {
      ps.addBatch();
    }
  }

  private static void flush(PreparedStatement ps, int total) throws SQLException {
    if (total > 1) {
      for (int r : ps.executeBatch()) {
        if (r != 1 && r != Statement.SUCCESS_NO_INFO) {
          throw new SQLException("outbox insert affected " + r + " rows, expected 1");
        }
      }
    }
  }
}
