package dev.herald.outbox.jdbc.internal;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.NotificationStatus;
import dev.herald.Scope;
import dev.herald.outbox.jdbc.NotificationDetail;
import dev.herald.outbox.jdbc.NotificationDetail.DeliveryDetail;
import dev.herald.outbox.jdbc.OutboxOverview;
import dev.herald.outbox.jdbc.RecipientTimeline;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The SQL behind the operator's views: the overview, a recipient's timeline, one notification in
 * detail. Every statement is bounded by an index range or a LIMIT, so none reads a whole table.
 */
public final class OperatorReader {
  private final Jdbi jdbi;
  private final Tables t;
  private final String openChannels;
  private final String openWork;
  private final String oldestDue;
  private final String oldestDueOfScope;
  private final String deadTotals;
  private final String recent;
  private final String perMinute;
  private final String expansion;
  private final String byKey;
  private final String byId;
  private final String byRecipient;
  private final String deliveriesOf;
  private final String devicesOf;

  /** A reader for one schema. */
  public OperatorReader(Jdbi jdbi, Tables t) {
    this.jdbi = jdbi;
    this.t = t;
    // Open rows are exactly those with next_at set: the claim index (channel, next_at) holds them and
    // nothing else. Its channels come from a skip scan (one index probe per channel), so that each
    // channel's count can stop at the cap without one huge backlog hiding the other channels.
    this.openChannels = "WITH RECURSIVE c(ch) AS (SELECT MIN(channel) FROM " + t.delivery() + " WHERE next_at IS NOT NULL"
        + " UNION ALL SELECT (SELECT MIN(channel) FROM " + t.delivery() + " WHERE next_at IS NOT NULL AND channel > c.ch)"
        + " FROM c WHERE c.ch IS NOT NULL) SELECT ch FROM c WHERE ch IS NOT NULL LIMIT 64";
    // Per scope from the same capped rows: the channel's figures are their sums.
    this.openWork = "SELECT scope, COUNT(*) AS cnt,"
        + " SUM(CASE WHEN state = " + Codes.PENDING + " THEN 1 ELSE 0 END) AS pending,"
        + " SUM(CASE WHEN state = " + Codes.PENDING + " AND next_at <= :now THEN 1 ELSE 0 END) AS due,"
        + " SUM(CASE WHEN state = " + Codes.PENDING + " AND attempts > 0 THEN 1 ELSE 0 END) AS retrying,"
        + " SUM(CASE WHEN state = " + Codes.IN_FLIGHT + " THEN 1 ELSE 0 END) AS in_flight"
        + " FROM (SELECT scope, state, attempts, next_at FROM " + t.delivery() + " WHERE channel = :ch AND next_at IS NOT NULL"
        + " LIMIT :cap) x GROUP BY scope";
    // The first pending row in the claim index's order: an index walk that stops at once.
    this.oldestDue = "SELECT MIN(next_at) AS oldest FROM " + t.delivery()
        + " WHERE channel = :ch AND next_at IS NOT NULL AND state = " + Codes.PENDING;
    // The scope index's walk for one scope, stopping at its first pending row.
    this.oldestDueOfScope = "SELECT MIN(next_at) AS oldest FROM " + t.delivery()
        + " WHERE channel = :ch AND scope = :scope AND next_at IS NOT NULL AND state = " + Codes.PENDING;
    this.deadTotals = "SELECT channel, scope, COUNT(*) AS cnt FROM (SELECT channel, scope FROM " + t.delivery()
        + " WHERE state = " + Codes.DEAD + " LIMIT :cap) x GROUP BY channel, scope";
    this.recent = "SELECT channel, state, COUNT(*) AS cnt FROM (SELECT channel, state FROM " + t.delivery()
        + " WHERE finished_at >= :since AND finished_at IS NOT NULL LIMIT :cap) x GROUP BY channel, state";
    // Newest first, so that when the cap cuts, the recent minutes are the exact ones.
    this.perMinute = "SELECT DATE_TRUNC('minute', finished_at) AS bucket, channel,"
        + " SUM(CASE WHEN state = " + Codes.DELIVERED + " THEN 1 ELSE 0 END) AS delivered,"
        + " SUM(CASE WHEN state IN (" + Codes.DEAD + ", " + Codes.TARGET_GONE + ") THEN 1 ELSE 0 END) AS failed,"
        + " COUNT(*) AS cnt FROM (SELECT finished_at, channel, state FROM " + t.delivery()
        + " WHERE finished_at >= :since AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT :cap) x"
        + " GROUP BY DATE_TRUNC('minute', finished_at), channel";
    this.expansion = "SELECT (SELECT COUNT(*) FROM (SELECT 1 AS one FROM " + t.notification()
        + " WHERE next_at IS NOT NULL AND state = " + Codes.PENDING + " LIMIT :cap) x) AS cnt,"
        + " (SELECT MIN(next_at) FROM " + t.notification() + " WHERE next_at IS NOT NULL AND state = " + Codes.PENDING
        + ") AS oldest";
    String cols = "n.id, n.idempotency_key, n.recipient_id, n.state, n.reason, n.created_at, n.due_at, n.next_at,"
        + " n.expires_at, n.finished_at, n.payload";
    this.byKey = "SELECT " + cols + " FROM " + t.dedup() + " k JOIN " + t.notification()
        + " n ON n.id = k.notification_id WHERE k.idempotency_key = :key";
    this.byId = "SELECT " + cols + " FROM " + t.notification() + " n WHERE n.id = :id";
    this.byRecipient = "SELECT " + cols + " FROM " + t.notification() + " n WHERE n.recipient_id = :r AND n.id < :before"
        + " ORDER BY n.id DESC LIMIT :limit";
    // The first :per deliveries of each notification, and how many it has in all: a recipient with
    // thousands of devices must not turn one page into millions of rows.
    this.deliveriesOf = "SELECT x.*, v.target FROM (SELECT d.id, d.notification_id, d.device_id, d.channel, d.scope, d.state,"
        + " d.attempts, d.last_error, d.provider_id, d.next_at, d.finished_at, d.lease_owner, d.requeued_at,"
        + " ROW_NUMBER() OVER (PARTITION BY d.notification_id ORDER BY d.id) AS rn,"
        + " COUNT(*) OVER (PARTITION BY d.notification_id) AS total"
        + " FROM " + t.delivery() + " d WHERE d.notification_id = ANY(:ids)) x"
        + " LEFT JOIN " + t.device() + " v ON v.id = x.device_id WHERE x.rn <= :per ORDER BY x.notification_id, x.id";
    this.devicesOf = "SELECT * FROM " + t.device() + " WHERE recipient_id = :r ORDER BY id LIMIT :limit";
  }

  /** The overview; see {@link OutboxOverview}. Each count reads at most {@code cap} rows. */
  public OutboxOverview overview(int cap) {
    return jdbi.inTransaction(h -> {
      Instant now = h.createQuery("SELECT CURRENT_TIMESTAMP").map((rs, ctx) -> Jdbc.instant(rs, 1)).one();
      Map<Channel, long[]> counts = new TreeMap<>((a, b) -> a.name().compareTo(b.name()));
      Map<Channel, Instant> oldest = new HashMap<>();
      // per scope: pending, due, retrying, inFlight, dead
      Map<Scope, long[]> scopeCounts = new TreeMap<>();
      Map<Scope, Instant> scopeOldest = new HashMap<>();
      boolean[] partial = new boolean[1];
      // counts: pending, due, retrying, inFlight, dead, delivered, deadRecently, gone
      List<String> open = h.createQuery(openChannels).mapTo(String.class).list();
      for (String name : open) {
        Channel ch = Channel.of(name);
        long[] c = counts.computeIfAbsent(ch, k -> new long[8]);
        long[] rows = new long[1];
        h.createQuery(openWork).bind("ch", name).bind("now", Jdbc.instant(now)).bind("cap", cap).map((rs, ctx) -> {
          rows[0] += rs.getLong("cnt");
          long[] sc = scopeCounts.computeIfAbsent(Scope.of(ch, rs.getString("scope")), k -> new long[5]);
          sc[0] = rs.getLong("pending");
          sc[1] = rs.getLong("due");
          sc[2] = rs.getLong("retrying");
          sc[3] = rs.getLong("in_flight");
          for (int i = 0; i < 4; i++) {
            c[i] += sc[i];
          }
          return c;
        }).list();
        partial[0] |= rows[0] >= cap;
        h.createQuery(oldestDue).bind("ch", name).map((rs, ctx) -> Jdbc.instant(rs, "oldest")).findOne()
            .ifPresent(o -> oldest.put(ch, o));
      }
      for (Scope s : scopeCounts.keySet()) {
        h.createQuery(oldestDueOfScope).bind("ch", s.channel().name()).bind("scope", s.name())
            .map((rs, ctx) -> Jdbc.instant(rs, "oldest")).findOne().ifPresent(o -> scopeOldest.put(s, o));
      }
      long[] total = new long[1];
      h.createQuery(deadTotals).bind("cap", cap).map((rs, ctx) -> {
        total[0] += rs.getLong("cnt");
        Channel ch = Channel.of(rs.getString("channel"));
        scopeCounts.computeIfAbsent(Scope.of(ch, rs.getString("scope")), k -> new long[5])[4] += rs.getLong("cnt");
        return counts.computeIfAbsent(ch, k -> new long[8])[4] += rs.getLong("cnt");
      }).list();
      partial[0] |= total[0] >= cap;
      Instant since = now.minus(OutboxOverview.RECENT_WINDOW);
      total[0] = 0;
      h.createQuery(recent).bind("since", Jdbc.instant(since)).bind("cap", cap).map((rs, ctx) -> {
        long[] c = counts.computeIfAbsent(Channel.of(rs.getString("channel")), k -> new long[8]);
        int state = rs.getInt("state");
        total[0] += rs.getLong("cnt");
        int slot = state == Codes.DELIVERED ? 5 : state == Codes.DEAD ? 6 : state == Codes.TARGET_GONE ? 7 : -1;
        if (slot >= 0) {
          c[slot] += rs.getLong("cnt");
        }
        return c;
      }).list();
      partial[0] |= total[0] >= cap;
      List<OutboxOverview.ChannelSummary> channels = new ArrayList<>();
      counts.forEach((ch, c) -> channels.add(new OutboxOverview.ChannelSummary(ch, c[0], c[1], c[2], c[3], c[4], c[5],
          c[6], c[7], age(oldest.get(ch), now))));

      Instant minuteStart = now.minus(Duration.ofMinutes(OutboxOverview.THROUGHPUT_MINUTES - 1))
          .truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
      total[0] = 0;
      List<OutboxOverview.Minute> minutes = new ArrayList<>(h.createQuery(perMinute)
          .bind("since", Jdbc.instant(minuteStart)).bind("cap", cap)
          .map((rs, ctx) -> {
            total[0] += rs.getLong("cnt");
            return new OutboxOverview.Minute(Jdbc.instant(rs, "bucket"), Channel.of(rs.getString("channel")),
                rs.getLong("delivered"), rs.getLong("failed"));
          }).list());
      partial[0] |= total[0] >= cap;
      minutes.sort((a, b) -> a.start().equals(b.start()) ? a.channel().name().compareTo(b.channel().name())
          : a.start().compareTo(b.start()));

      long[] waiting = new long[1];
      Instant[] oldestNote = new Instant[1];
      h.createQuery(expansion).bind("cap", cap).map((rs, ctx) -> {
        waiting[0] = rs.getLong("cnt");
        oldestNote[0] = Jdbc.instant(rs, "oldest");
        return 1;
      }).list();
      partial[0] |= waiting[0] >= cap;
      List<OutboxOverview.ScopeSummary> scopes = new ArrayList<>();
      scopeCounts.forEach((s, c) -> scopes.add(new OutboxOverview.ScopeSummary(s, c[0], c[1], c[2], c[3], c[4],
          age(scopeOldest.get(s), now))));
      return new OutboxOverview(now, channels, waiting[0], age(oldestNote[0], now), minutes, partial[0], scopes);
    });
  }

  /** A notification by its current idempotency key. */
  public Optional<NotificationDetail> byKey(String key, int perNotification) {
    return jdbi.withHandle(h -> h.createQuery(byKey).bind("key", key).map((rs, ctx) -> head(rs)).findOne()
        .map(head -> details(h, List.of(head), perNotification).get(0)));
  }

  /** A notification by id. */
  public Optional<NotificationDetail> byId(long id, int perNotification) {
    return jdbi.withHandle(h -> h.createQuery(byId).bind("id", id).map((rs, ctx) -> head(rs)).findOne()
        .map(head -> details(h, List.of(head), perNotification).get(0)));
  }

  /** One page of a recipient's notifications (newest first, ids below {@code before}) and its devices. */
  public RecipientTimeline timeline(String recipientId, long before, int limit, int perNotification, int maxDevices) {
    return jdbi.inTransaction(h -> {
      List<Head> heads = h.createQuery(byRecipient).bind("r", recipientId).bind("before", before).bind("limit", limit + 1)
          .map((rs, ctx) -> head(rs)).list();
      Long next = null;
      if (heads.size() > limit) {
        heads = heads.subList(0, limit);
        next = heads.get(limit - 1).id();
      }
      List<NotificationDetail> notes = details(h, heads, perNotification);
      List<Device> devices = h.createQuery(devicesOf).bind("r", recipientId).bind("limit", maxDevices + 1)
          .map((rs, ctx) -> DeviceStore.device(rs)).list();
      boolean more = devices.size() > maxDevices;
      return new RecipientTimeline(recipientId, notes, next, more ? devices.subList(0, maxDevices) : devices, more);
    });
  }

  private record Head(long id, String key, String recipientId, int state, String reason, Instant createdAt,
      Instant dueAt, Instant nextAt, Instant expiresAt, Instant finishedAt, byte[] payload) {}

  private static Head head(ResultSet rs) throws SQLException {
    return new Head(rs.getLong("id"), rs.getString("idempotency_key"), rs.getString("recipient_id"), rs.getInt("state"),
        rs.getString("reason"), Jdbc.instant(rs, "created_at"), Jdbc.instant(rs, "due_at"), Jdbc.instant(rs, "next_at"),
        Jdbc.instant(rs, "expires_at"), Jdbc.instant(rs, "finished_at"), rs.getBytes("payload"));
  }

  private List<NotificationDetail> details(Handle h, List<Head> heads, int perNotification) {
    if (heads.isEmpty()) {
      return List.of();
    }
    Map<Long, Head> byId = new LinkedHashMap<>();
    Map<Long, PayloadCodec.Payload> payloads = new HashMap<>();
    for (Head head : heads) {
      byId.put(head.id(), head);
      payloads.put(head.id(), PayloadCodec.decodePayload(head.payload()));
    }
    Map<Long, List<DeliveryDetail>> deliveries = new HashMap<>();
    Map<Long, Integer> totals = new HashMap<>();
    h.createQuery(deliveriesOf).bind("ids", Jdbc.longs(byId.keySet())).bind("per", perNotification).map((rs, ctx) -> {
      long nid = rs.getLong("notification_id");
      rs.getLong("device_id");
      DeviceTarget target;
      if (rs.wasNull()) {
        target = payloads.get(nid).target();
      } else {
        byte[] bytes = rs.getBytes("target");
        target = bytes == null ? null : PayloadCodec.decodeTarget(bytes);
      }
      totals.put(nid, rs.getInt("total"));
      Channel channel = Channel.of(rs.getString("channel"));
      return deliveries.computeIfAbsent(nid, k -> new ArrayList<>()).add(new DeliveryDetail(rs.getLong("id"),
          channel, target, Codes.state(rs.getInt("state")), rs.getInt("attempts"),
          rs.getString("last_error"), rs.getString("provider_id"), Jdbc.instant(rs, "next_at"),
          Jdbc.instant(rs, "finished_at"), rs.getString("lease_owner"), Jdbc.instant(rs, "requeued_at"),
          Scope.of(channel, rs.getString("scope"))));
    }).list();
    List<NotificationDetail> out = new ArrayList<>(heads.size());
    for (Head head : heads) {
      List<DeliveryDetail> ds = deliveries.getOrDefault(head.id(), List.of());
      int total = totals.getOrDefault(head.id(), 0);
      DeliveryState state;
      String reason;
      Instant finished = head.finishedAt();
      if (head.state() == Codes.EXPANDED) {
        List<DeliveryState> states = new ArrayList<>();
        ds.forEach(d -> states.add(d.state()));
        state = NotificationStatus.aggregate(states);
        reason = null;
        if (state != DeliveryState.DELIVERED) {
          for (DeliveryDetail d : ds) {
            if (d.state() == state && d.lastError() != null) {
              reason = d.lastError();
              break;
            }
          }
        }
        finished = null;
        if (state.terminal() && total == ds.size()) {
          for (DeliveryDetail d : ds) {
            if (d.finishedAt() != null && (finished == null || d.finishedAt().isAfter(finished))) {
              finished = d.finishedAt();
            }
          }
        }
      } else {
        state = Codes.state(head.state());
        reason = head.reason();
      }
      Instant due = head.dueAt() != null ? head.dueAt() : head.nextAt();
      String title = payloads.get(head.id()).content().title();
      out.add(new NotificationDetail(head.id(), head.key(), head.recipientId(), state, reason, title, head.createdAt(),
          due, head.expiresAt(), finished, ds, total));
    }
    return out;
  }

  private static Duration age(Instant since, Instant now) {
    if (since == null || since.isAfter(now)) {
      return Duration.ZERO;
    }
    return Duration.between(since, now);
  }
}
