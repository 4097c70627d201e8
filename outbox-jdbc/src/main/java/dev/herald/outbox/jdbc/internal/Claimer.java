package dev.herald.outbox.jdbc.internal;

import dev.herald.Channel;
import dev.herald.CollapseKeys;
import dev.herald.Delivery;
import dev.herald.DeviceTarget;
import dev.herald.Scope;
import dev.herald.store.ClaimBatch;
import dev.herald.store.ClaimRequest;
import dev.herald.store.ClaimedDelivery;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expands due recipient notifications and claims due deliveries.
 *
 * <p>A probe (one round trip) reads the database clock and whether any recipient notification is
 * due; only then does expansion run, in a short transaction of its own. Each channel is then claimed
 * with {@code FOR UPDATE SKIP LOCKED}: rows another instance is claiming at that moment are skipped,
 * not waited for, so instances never queue behind each other. On PostgreSQL the claim is one
 * {@code UPDATE ... FROM notification ... WHERE id IN (SELECT ... SKIP LOCKED LIMIT n)
 * RETURNING ...} that also returns what the deliveries carry; on H2 it locks, updates by id and then
 * reads the payloads. Each claim is a short transaction whose first statement pins index plans (see
 * {@link Dialect#pinIndexPlans}). The fencing token is incremented by the claiming statement; due checks and the
 * lease use the database's {@code CURRENT_TIMESTAMP}. A delivery whose lease expired has
 * {@code next_at} (its lease end) in the past and is claimed again like a due one.
 *
 * <p><b>Scopes.</b> Every delivery row records its scope (a push service and credential), copied
 * from its device at expansion or named for an explicit target at enqueue. A channel none of whose
 * scopes the engine holds back is claimed as above, from the claim index in due order. When the
 * request lists scopes of the channel (paused: 0; holding their share: fewer), the claim walks the
 * scope index instead: a skip scan finds the channel's scopes (one index probe each), and each wanted
 * scope is claimed in due order up to its limit, the earliest of all of them winning. A paused scope's
 * backlog is therefore jumped over, never read, however large it grows: reading past it in the claim
 * index cost 110 ms a claim at 200,000 paused rows, the scope walk 3 ms.
 */
public final class Claimer {
  private static final Logger LOG = LoggerFactory.getLogger(Claimer.class);
  /** Reason recorded when a recipient has no device to expand to. */
  public static final String NO_DEVICES = "recipient has no active devices";

  /** Longest a due recipient notification waits for expansion when nothing hinted at it. */
  static final long PROBE_INTERVAL_NANOS = 100_000_000L;

  private final Jdbi jdbi;
  private final Dialect dialect;
  private volatile boolean expansionHint = true;
  private volatile long nextProbe = System.nanoTime();
  private final Tables t;
  private final int expansionBatch;
  private final String selectDue;
  private final String activeDevices;
  private final String insertExpanded;
  private final String markExpanded;
  private final String finishNotifications;
  private final String claim;
  private final String lockDue;
  private final String probe;
  private final boolean oneStatement;
  private final String readNotifications;
  private final String readDevices;
  private final String finishOrphan;
  private final Function<DeviceTarget, Scope> scopeOf;
  private final String backfillScopes;
  private final String claimScoped;
  private final String dueScopes;
  private final String lockDueOfScope;

  /**
   * A claimer for one schema.
   *
   * @param scopeOf the scope of a device registered before scopes were recorded, named at expansion
   */
  public Claimer(Jdbi jdbi, Dialect dialect, Tables t, int expansionBatch, Function<DeviceTarget, Scope> scopeOf) {
    this.jdbi = jdbi;
    this.dialect = dialect;
    this.t = t;
    this.expansionBatch = expansionBatch;
    this.scopeOf = scopeOf;
    this.selectDue = dialect.lockFirst("SELECT id, recipient_id, CASE WHEN expires_at <= CURRENT_TIMESTAMP THEN 1 ELSE 0 END AS expired"
        + " FROM " + t.notification() + " WHERE next_at <= CURRENT_TIMESTAMP", "next_at", ":n");
    // Locked, in id order: a concurrent invalidation, retirement, move or removal of one of these
    // devices either waits for this expansion and then finishes the deliveries it inserted, or is
    // waited for, after which the row is re-read and no longer qualifies (DeviceStore's class comment).
    // The target only where the scope was never recorded (registered before schema version 4).
    this.activeDevices = "SELECT id, recipient_id, channel, scope, CASE WHEN scope IS NULL THEN target END AS target FROM "
        + t.device() + " WHERE recipient_id = ANY(:rids) AND status = " + Codes.DEVICE_ACTIVE + " ORDER BY id FOR UPDATE";
    this.backfillScopes = "UPDATE " + t.device() + " SET scope = u.s FROM (SELECT * FROM unnest(:ids, :scopes)) u(i, s)"
        + " WHERE " + t.device() + ".id = u.i AND " + t.device() + ".scope IS NULL";
    // next_at copied from the notification keeps due order across the expansion.
    this.insertExpanded = "INSERT INTO " + t.delivery() + " (notification_id, device_id, channel, scope, state, next_at)"
        + " SELECT u.nid, u.did, u.ch, u.sc, " + Codes.PENDING + ", n.next_at"
        + " FROM unnest(:nids, :dids, :chs, :scs) u(nid, did, ch, sc)"
        + " JOIN " + t.notification() + " n ON n.id = u.nid ON CONFLICT DO NOTHING";
    this.markExpanded = "UPDATE " + t.notification() + " SET state = " + Codes.EXPANDED + ", next_at = NULL WHERE id = ANY(:ids)";
    this.finishNotifications = "UPDATE " + t.notification() + " SET state = :s, next_at = NULL,"
        + " finished_at = CURRENT_TIMESTAMP, reason = :r WHERE id = ANY(:ids)";
    this.oneStatement = dialect.claimsInOneStatement();
    // MIN(next_at) is answered from the first entry of the due index whatever the statistics say;
    // an EXISTS probe was planned as a sequential scan on a freshly filled table.
    this.probe = "SELECT CURRENT_TIMESTAMP AS now, (SELECT MIN(next_at) FROM " + t.notification() + ") AS first_due";
    this.lockDue = dialect.lockFirst("SELECT id FROM " + t.delivery() + " WHERE channel = :ch AND next_at <= CURRENT_TIMESTAMP",
        "next_at", ":n");
    String set = " SET state = " + Codes.IN_FLIGHT + ", lease_owner = :owner, fencing_token = d.fencing_token + 1,"
        + " next_at = CURRENT_TIMESTAMP + CAST(:leaseMs AS BIGINT) * INTERVAL '0.001' SECOND";
    String returned = "d.id, d.notification_id, d.device_id, d.scope, d.attempts, d.fencing_token, d.requeued_at,"
        + " CURRENT_TIMESTAMP AS now";
    if (oneStatement) {
      // One round trip: claim, and return what the deliveries carry, joined from their notification
      // and device. Only the delivery rows are locked; FROM-list rows are read, not locked.
      // "= ANY(ARRAY(subquery))" rather than "IN (subquery)": the array is computed once (an
      // InitPlan) and probes the primary key, where IN let the planner hash-join a sequential scan
      // of the whole table once the batch reached about 100 rows (6 ms instead of 0.5 ms at 20k rows).
      String joined = returned + ", n.idempotency_key, n.created_at, n.expires_at, n.payload,"
          + " (SELECT v.target FROM " + t.device() + " v WHERE v.id = d.device_id) AS target";
      this.claim = dialect.returning("UPDATE " + t.delivery() + " d" + set + " FROM " + t.notification() + " n"
          + " WHERE n.id = d.notification_id AND d.id = ANY(ARRAY(" + lockDue + "))", joined);
      // The scope walk (class comment): a recursive skip scan over (channel, scope) of the open rows,
      // the scopes not listed at the channel's limit and the listed ones at theirs, then each in due
      // order under SKIP LOCKED in a lateral subquery; the earliest :n of all of them are claimed.
      String next = "SELECT x.scope FROM " + t.delivery() + " x WHERE x.channel = :ch AND x.next_at IS NOT NULL";
      this.claimScoped = dialect.returning("UPDATE " + t.delivery() + " d" + set + " FROM " + t.notification() + " n"
          + " WHERE n.id = d.notification_id AND d.id = ANY(ARRAY("
          + "WITH RECURSIVE s(scope) AS ((" + next + " ORDER BY x.scope LIMIT 1) UNION ALL"
          + " SELECT (" + next + " AND x.scope > s.scope ORDER BY x.scope LIMIT 1) FROM s WHERE s.scope IS NOT NULL),"
          + " w(scope, k) AS (SELECT s.scope, CAST(:n AS INTEGER) FROM s WHERE s.scope IS NOT NULL AND s.scope <> ALL(:listed)"
          + " UNION ALL SELECT u.scope, LEAST(u.k, CAST(:n AS INTEGER)) FROM unnest(:listed, :limits) u(scope, k) WHERE u.k > 0)"
          + " SELECT c.id FROM w CROSS JOIN LATERAL (SELECT x.id, x.next_at FROM " + t.delivery() + " x"
          + " WHERE x.channel = :ch AND x.scope = w.scope AND x.next_at <= CURRENT_TIMESTAMP"
          + " ORDER BY x.next_at LIMIT w.k FOR UPDATE SKIP LOCKED) c ORDER BY c.next_at LIMIT :n))", joined);
    } else {
      this.claim = dialect.returning("UPDATE " + t.delivery() + " d" + set + " WHERE d.id = ANY(:ids)",
          returned.replace("d.", ""));
      this.claimScoped = null;
    }
    // Without lateral subqueries (H2): the due scopes, then each wanted one locked in due order.
    this.dueScopes = "SELECT DISTINCT scope FROM " + t.delivery() + " WHERE channel = :ch AND next_at <= CURRENT_TIMESTAMP";
    this.lockDueOfScope = dialect.lockFirst("SELECT id, next_at FROM " + t.delivery()
        + " WHERE channel = :ch AND scope = :scope AND next_at <= CURRENT_TIMESTAMP", "next_at", ":n");
    this.readNotifications = "SELECT id, idempotency_key, created_at, expires_at, payload FROM " + t.notification()
        + " WHERE id = ANY(:ids)";
    this.readDevices = "SELECT id, target FROM " + t.device() + " WHERE id = ANY(:ids)";
    this.finishOrphan = "UPDATE " + t.delivery() + " SET state = " + Codes.TARGET_GONE + ", next_at = NULL,"
        + " finished_at = CURRENT_TIMESTAMP, lease_owner = NULL, last_error = :e"
        + " WHERE id = :id AND fencing_token = :tok AND state = " + Codes.IN_FLIGHT;
  }

  private record Row(long id, long notificationId, Long deviceId, String scope, int attempts, long token,
      Instant requeuedAt, Instant now, String key, Instant createdAt, Instant expiresAt, byte[] payload, byte[] target) {}

  private record Note(String key, Instant createdAt, Instant expiresAt, PayloadCodec.Payload payload) {}

  /** Claims per the request; see the class comment. */
  public ClaimBatch claim(ClaimRequest req) {
    long leaseMs = Math.max(1, req.lease().toMillis());
    // Channels in name order: two instances lock in the same order.
    Map<Channel, Integer> limits = new TreeMap<>((a, b) -> a.name().compareTo(b.name()));
    limits.putAll(req.limits());
    return jdbi.withHandle(h -> {
      // The probe (one cheap round trip: the database's time and whether a recipient notification
      // is due) runs when an enqueue hinted at recipients, or every PROBE_INTERVAL for those that
      // fall due later; expansion then takes its own short transaction.
      Instant[] now = new Instant[1];
      long t = System.nanoTime();
      if (expansionHint || t - nextProbe >= 0) {
        expansionHint = false;
        nextProbe = t + PROBE_INTERVAL_NANOS;
        boolean due = h.createQuery(probe).map((rs, ctx) -> {
          now[0] = Jdbc.instant(rs, "now");
          Instant first = Jdbc.instant(rs, "first_due");
          return first != null && !first.isAfter(now[0]);
        }).one();
        if (due) {
          int limit = Math.max(1, Math.min(expansionBatch, req.total()));
          if (h.inTransaction(tx -> {
            dialect.pinIndexPlans(tx);
            return expand(tx, limit);
          }) >= limit) {
            expansionHint = true; // a full batch: there is probably more
          }
        }
      }
      List<Row> rows = new ArrayList<>();
      Map<Long, Channel> channels = new HashMap<>();
      for (Map.Entry<Channel, Integer> e : limits.entrySet()) {
        if (e.getValue() > 0) {
          Map<Scope, Integer> held = req.scopeLimits(e.getKey());
          List<Row> claimed = h.inTransaction(tx -> {
            dialect.pinIndexPlans(tx);
            if (!held.isEmpty()) {
              return oneStatement ? claimScopedOneStatement(tx, req.owner(), leaseMs, e.getKey(), e.getValue(), held)
                  : lockScopesThenClaim(tx, req.owner(), leaseMs, e.getKey(), e.getValue(), held);
            }
            return oneStatement ? claimOneStatement(tx, req.owner(), leaseMs, e.getKey(), e.getValue())
                : lockThenClaim(tx, req.owner(), leaseMs, e.getKey(), e.getValue());
          });
          claimed.forEach(r -> channels.put(r.id(), e.getKey()));
          rows.addAll(claimed);
        }
      }
      if (rows.isEmpty()) {
        return ClaimBatch.empty(now[0] != null ? now[0]
            : h.createQuery("SELECT CURRENT_TIMESTAMP").map((rs, ctx) -> Jdbc.instant(rs, 1)).one());
      }
      return new ClaimBatch(rows.get(0).now(), hydrate(h, rows, channels));
    });
  }

  private List<Row> claimOneStatement(Handle h, String owner, long leaseMs, Channel channel, int n) {
    return h.createQuery(claim).define(Dialect.PINNED, true).bind("owner", owner).bind("leaseMs", leaseMs).bind("ch", channel.name()).bind("n", n)
        .map((rs, ctx) -> row(rs, true))
        .list();
  }

  private List<Row> claimScopedOneStatement(Handle h, String owner, long leaseMs, Channel channel, int n,
      Map<Scope, Integer> held) {
    List<String> names = new ArrayList<>(held.size());
    List<Integer> caps = new ArrayList<>(held.size());
    held.forEach((scope, k) -> {
      names.add(scope.name());
      caps.add(k);
    });
    return h.createQuery(claimScoped).define(Dialect.PINNED, true).bind("owner", owner).bind("leaseMs", leaseMs)
        .bind("ch", channel.name()).bind("n", n).bind("listed", Jdbc.strings(names)).bind("limits", Jdbc.ints(caps))
        .map((rs, ctx) -> row(rs, true))
        .list();
  }

  /** The scope walk without lateral subqueries: each wanted scope locked in turn, the earliest kept. */
  private List<Row> lockScopesThenClaim(Handle tx, String owner, long leaseMs, Channel channel, int n,
      Map<Scope, Integer> held) {
    Map<String, Integer> wanted = new LinkedHashMap<>();
    for (String scope : tx.createQuery(dueScopes).bind("ch", channel.name()).mapTo(String.class).list()) {
      Integer own = held.get(Scope.of(channel, scope));
      int k = own == null ? n : Math.min(own, n);
      if (k > 0) {
        wanted.put(scope, k);
      }
    }
    List<Object[]> locked = new ArrayList<>();
    wanted.forEach((scope, k) -> locked.addAll(tx.createQuery(lockDueOfScope).define(Dialect.PINNED, true)
        .bind("ch", channel.name()).bind("scope", scope).bind("n", k)
        .map((rs, ctx) -> new Object[] {rs.getLong("id"), Jdbc.instant(rs, "next_at")}).list()));
    locked.sort((a, b) -> ((Instant) a[1]).compareTo((Instant) b[1]));
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < Math.min(n, locked.size()); i++) {
      ids.add((Long) locked.get(i)[0]);
    }
    return claimIds(tx, owner, leaseMs, ids);
  }

  private List<Row> lockThenClaim(Handle tx, String owner, long leaseMs, Channel channel, int n) {
    List<Long> ids = tx.createQuery(lockDue).define(Dialect.PINNED, true).bind("ch", channel.name()).bind("n", n).mapTo(Long.class).list();
    return claimIds(tx, owner, leaseMs, ids);
  }

  private List<Row> claimIds(Handle tx, String owner, long leaseMs, List<Long> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    return tx.createQuery(claim).define(Dialect.PINNED, true).bind("owner", owner).bind("leaseMs", leaseMs)
        .bind("ids", Jdbc.longs(ids))
        .map((rs, ctx) -> row(rs, false))
        .list();
  }

  /** A claimed row; {@code joined} when the claim also returned what the delivery carries. */
  private static Row row(ResultSet rs, boolean joined) throws SQLException {
    long dev = rs.getLong("device_id");
    Long deviceId = rs.wasNull() ? null : dev;
    return new Row(rs.getLong("id"), rs.getLong("notification_id"), deviceId, rs.getString("scope"), rs.getInt("attempts"),
        rs.getLong("fencing_token"), Jdbc.instant(rs, "requeued_at"), Jdbc.instant(rs, "now"),
        joined ? rs.getString("idempotency_key") : null, joined ? Jdbc.instant(rs, "created_at") : null,
        joined ? Jdbc.instant(rs, "expires_at") : null, joined ? rs.getBytes("payload") : null,
        joined ? rs.getBytes("target") : null);
  }

  /**
   * Turns due recipient notifications into one delivery per active device, in the claim's
   * transaction. The notification row is locked (skip-locked) and leaves the due index in the same
   * transaction, and the unique (notification, device) index backs it up: expansion happens once.
   */
  /** Something may need expansion now (an enqueue of a recipient notification was seen). */
  public void hintExpansion() {
    expansionHint = true;
  }

  private int expand(Handle tx, int limit) {
    List<long[]> due = new ArrayList<>();
    Map<Long, String> recipients = new LinkedHashMap<>();
    tx.createQuery(selectDue).bind("n", limit).map((rs, ctx) -> {
      long id = rs.getLong("id");
      if (rs.getInt("expired") == 1) {
        due.add(new long[] {id, 1});
      } else {
        due.add(new long[] {id, 0});
        recipients.put(id, rs.getString("recipient_id"));
      }
      return id;
    }).list();
    if (due.isEmpty()) {
      return 0;
    }
    List<Long> expired = due.stream().filter(d -> d[1] == 1).map(d -> d[0]).toList();
    if (!expired.isEmpty()) {
      tx.createUpdate(finishNotifications).bind("s", Codes.EXPIRED).bind("r", "expired before it fell due for expansion")
          .bind("ids", Jdbc.longs(expired)).execute();
    }
    if (recipients.isEmpty()) {
      return due.size();
    }
    Map<String, List<long[]>> devicesByRecipient = new HashMap<>();
    Map<Long, String> channelOf = new HashMap<>();
    Map<Long, String> scopeOfDevice = new HashMap<>();
    Map<Long, String> backfill = new LinkedHashMap<>();
    tx.createQuery(activeDevices).bind("rids", Jdbc.strings(new LinkedHashSet<>(recipients.values())))
        .map((rs, ctx) -> {
          long id = rs.getLong("id");
          devicesByRecipient.computeIfAbsent(rs.getString("recipient_id"), k -> new ArrayList<>()).add(new long[] {id});
          channelOf.put(id, rs.getString("channel"));
          String scope = rs.getString("scope");
          if (scope == null) {
            scope = scopeName(rs.getBytes("target"), rs.getString("channel"));
            backfill.put(id, scope);
          }
          scopeOfDevice.put(id, scope);
          return id;
        }).list();
    if (!backfill.isEmpty()) {
      // Devices registered before scopes were recorded: named once, here, where their rows are locked.
      tx.createUpdate(backfillScopes).bind("ids", Jdbc.longs(backfill.keySet())).bind("scopes", Jdbc.strings(backfill.values()))
          .execute();
    }
    List<Long> nids = new ArrayList<>();
    List<Long> dids = new ArrayList<>();
    List<String> chs = new ArrayList<>();
    List<String> scs = new ArrayList<>();
    List<Long> expanded = new ArrayList<>();
    List<Long> empty = new ArrayList<>();
    for (Map.Entry<Long, String> e : recipients.entrySet()) {
      List<long[]> devices = devicesByRecipient.get(e.getValue());
      if (devices == null || devices.isEmpty()) {
        empty.add(e.getKey());
        continue;
      }
      expanded.add(e.getKey());
      for (long[] d : devices) {
        nids.add(e.getKey());
        dids.add(d[0]);
        chs.add(channelOf.get(d[0]));
        scs.add(scopeOfDevice.get(d[0]));
      }
    }
    if (!nids.isEmpty()) {
      tx.createUpdate(insertExpanded).bind("nids", Jdbc.longs(nids)).bind("dids", Jdbc.longs(dids))
          .bind("chs", Jdbc.strings(chs)).bind("scs", Jdbc.strings(scs)).execute();
      tx.createUpdate(markExpanded).bind("ids", Jdbc.longs(expanded)).execute();
    }
    if (!empty.isEmpty()) {
      tx.createUpdate(finishNotifications).bind("s", Codes.TARGET_GONE).bind("r", NO_DEVICES)
          .bind("ids", Jdbc.longs(empty)).execute();
    }
    return due.size();
  }

  /** The scope name of a device stored before scopes were: as the transports name it now; '' when unreadable. */
  private String scopeName(byte[] target, String channel) {
    try {
      Scope s = scopeOf.apply(PayloadCodec.decodeTarget(target));
      return s.channel().name().equals(channel) ? s.name() : "";
    } catch (RuntimeException e) {
      return "";
    }
  }

  private List<ClaimedDelivery> hydrate(Handle h, List<Row> rows, Map<Long, Channel> channels) {
    Map<Long, Note> notes = new HashMap<>();
    Map<Long, DeviceTarget> targets = new HashMap<>();
    if (rows.get(0).key() != null) {
      for (Row r : rows) {
        notes.computeIfAbsent(r.notificationId(), id -> new Note(r.key(), r.createdAt(), r.expiresAt(),
            PayloadCodec.decodePayload(r.payload())));
        if (r.deviceId() != null && r.target() != null) {
          targets.computeIfAbsent(r.deviceId(), id -> PayloadCodec.decodeTarget(r.target()));
        }
      }
    } else {
      readSeparately(h, rows, notes, targets);
    }
    List<ClaimedDelivery> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      Note note = notes.get(r.notificationId());
      DeviceTarget target = r.deviceId() == null ? (note == null ? null : note.payload().target()) : targets.get(r.deviceId());
      if (note == null || target == null) {
        // The device was unregistered between expansion and this claim (its row is gone).
        LOG.debug("delivery {} has no device any more; finishing it as target gone", r.id());
        h.createUpdate(finishOrphan).bind("e", "device unregistered before sending").bind("id", r.id())
            .bind("tok", r.token()).execute();
        continue;
      }
      Channel channel = channels.get(r.id());
      Scope scope = channel != null && channel.equals(target.channel()) && r.scope() != null ? Scope.of(channel, r.scope())
          : null;
      Delivery d = new Delivery(r.id(), note.key(), r.attempts() + 1, target, note.payload().content(),
          note.payload().options(), CollapseKeys.effective(note.key(), note.payload().options()), note.expiresAt(), scope);
      // A re-queued dead letter's age counts from its re-queue, so the retry policy's max age does
      // not kill it again at once.
      out.add(new ClaimedDelivery(d, r.token(), r.requeuedAt() != null ? r.requeuedAt() : note.createdAt()));
    }
    return out;
  }

  private void readSeparately(Handle h, List<Row> rows, Map<Long, Note> notes, Map<Long, DeviceTarget> targets) {
    Set<Long> noteIds = new LinkedHashSet<>();
    Set<Long> deviceIds = new LinkedHashSet<>();
    for (Row r : rows) {
      noteIds.add(r.notificationId());
      if (r.deviceId() != null) {
        deviceIds.add(r.deviceId());
      }
    }
    h.createQuery(readNotifications).bind("ids", Jdbc.longs(noteIds)).map((rs, ctx) -> {
      notes.put(rs.getLong("id"), new Note(rs.getString("idempotency_key"), Jdbc.instant(rs, "created_at"),
          Jdbc.instant(rs, "expires_at"), PayloadCodec.decodePayload(rs.getBytes("payload"))));
      return null;
    }).list();
    if (!deviceIds.isEmpty()) {
      h.createQuery(readDevices).bind("ids", Jdbc.longs(deviceIds)).map((rs, ctx) -> {
        targets.put(rs.getLong("id"), PayloadCodec.decodeTarget(rs.getBytes("target")));
        return null;
      }).list();
    }
  }
}
