package dev.herald.outbox.jdbc.internal;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.Scope;
import dev.herald.outbox.jdbc.DeadLetter;
import dev.herald.outbox.jdbc.DeadLetterCount;
import dev.herald.outbox.jdbc.DeadLetterQuery;
import dev.herald.outbox.jdbc.OutboxStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlStatement;

/** The SQL behind the operator API. */
public final class AdminStore {
  private final Jdbi jdbi;
  private final Dialect dialect;
  private final Tables t;

  /** An admin store for one schema. */
  public AdminStore(Jdbi jdbi, Dialect dialect, Tables t) {
    this.jdbi = jdbi;
    this.dialect = dialect;
    this.t = t;
  }

  // The listing and the recipient filter read each delivery's notification (a primary-key lookup per
  // row); a count or re-queue without a recipient filter does not, so that counting 100,000 dead
  // letters stays a scan of the dead-letter indexes.
  private String from(DeadLetterQuery q, boolean withNotification) {
    boolean join = withNotification || q.recipientId() != null;
    StringBuilder w = new StringBuilder(" FROM " + t.delivery() + " d" + (join ? " JOIN " + t.notification()
        + " n ON n.id = d.notification_id" : "") + " WHERE d.state = " + Codes.DEAD);
    if (q.idempotencyKey() != null) {
      w.append(" AND d.notification_id = (SELECT notification_id FROM ").append(t.dedup())
          .append(" WHERE idempotency_key = :key)");
    }
    if (q.notificationId() != null) {
      w.append(" AND d.notification_id = :nid");
    }
    if (q.deliveryId() != null) {
      w.append(" AND d.id = :did");
    }
    if (q.deliveryIds() != null) {
      w.append(" AND d.id = ANY(:dids)");
    }
    if (q.recipientId() != null) {
      w.append(" AND n.recipient_id = :rid");
    }
    if (q.channel() != null) {
      w.append(" AND d.channel = :ch");
    }
    if (q.scope() != null) {
      w.append(" AND d.scope = :scope");
    }
    if (q.diedFrom() != null) {
      w.append(" AND d.finished_at >= :from");
    }
    if (q.diedBefore() != null) {
      w.append(" AND d.finished_at < :before");
    }
    if (q.afterDiedAt() != null) {
      String cmp = q.newestFirst() ? "<" : ">";
      w.append(" AND (d.finished_at ").append(cmp).append(" :cat OR (d.finished_at = :cat AND d.id ").append(cmp)
          .append(" :cid))");
    }
    return w.toString();
  }

  private static String order(DeadLetterQuery q) {
    return q.newestFirst() ? " ORDER BY d.finished_at DESC, d.id DESC" : " ORDER BY d.finished_at, d.id";
  }

  private static <S extends SqlStatement<S>> S bind(S s, DeadLetterQuery q) {
    if (q.idempotencyKey() != null) {
      s.bind("key", q.idempotencyKey());
    }
    if (q.notificationId() != null) {
      s.bind("nid", q.notificationId());
    }
    if (q.deliveryId() != null) {
      s.bind("did", q.deliveryId());
    }
    if (q.deliveryIds() != null) {
      s.bind("dids", Jdbc.longs(q.deliveryIds()));
    }
    if (q.recipientId() != null) {
      s.bind("rid", q.recipientId());
    }
    if (q.channel() != null) {
      s.bind("ch", q.channel().name());
    }
    if (q.scope() != null) {
      s.bind("scope", q.scope().name());
    }
    if (q.diedFrom() != null) {
      s.bind("from", Jdbc.instant(q.diedFrom()));
    }
    if (q.diedBefore() != null) {
      s.bind("before", Jdbc.instant(q.diedBefore()));
    }
    if (q.afterDiedAt() != null) {
      s.bind("cat", Jdbc.instant(q.afterDiedAt()));
      s.bind("cid", q.afterDeliveryId());
    }
    return s.bind("limit", q.limit());
  }

  /** Dead letters matching the query, in its order. */
  public List<DeadLetter> deadLetters(DeadLetterQuery q) {
    String sql = "SELECT d.id, d.notification_id, n.idempotency_key, n.recipient_id, d.channel, d.scope, d.attempts,"
        + " d.last_error, n.created_at, d.finished_at" + from(q, true) + order(q) + " LIMIT :limit";
    return jdbi.withHandle(h -> bind(h.createQuery(sql), q).map((rs, ctx) -> {
      Channel channel = Channel.of(rs.getString("channel"));
      return new DeadLetter(rs.getLong("id"), rs.getLong("notification_id"), rs.getString("idempotency_key"), channel,
          rs.getInt("attempts"), rs.getString("last_error"), Jdbc.instant(rs, "created_at"),
          Jdbc.instant(rs, "finished_at"), rs.getString("recipient_id"), Scope.of(channel, rs.getString("scope")));
    }).list());
  }

  /** Counts matching dead letters, stopping at the query's limit. */
  public DeadLetterCount countDeadLetters(DeadLetterQuery q) {
    String sql = "SELECT CURRENT_TIMESTAMP AS now, (SELECT COUNT(*) FROM (SELECT d.id" + from(q, false) + " LIMIT :limit) x) AS cnt";
    return jdbi.withHandle(h -> bind(h.createQuery(sql), q).map((rs, ctx) -> {
      long n = rs.getLong("cnt");
      return new DeadLetterCount((int) n, n >= q.limit(), Jdbc.instant(rs, "now"));
    }).one());
  }

  /**
   * Re-queues matching dead letters: pending, due now, attempts reset and the age counted from now
   * (requeued_at) so the retry policy grants a fresh budget of both; the last error stays for the
   * record. Queues a wake-up when it re-queued any.
   */
  public int requeue(DeadLetterQuery q) {
    String select = "SELECT d.id" + from(q, false) + order(q) + " LIMIT :limit";
    String update = "UPDATE " + t.delivery() + " SET state = " + Codes.PENDING + ", next_at = CURRENT_TIMESTAMP,"
        + " attempts = 0, finished_at = NULL, lease_owner = NULL, requeued_at = CURRENT_TIMESTAMP"
        + " WHERE id = ANY(:ids) AND state = " + Codes.DEAD;
    return jdbi.inTransaction(h -> {
      List<Long> ids = bind(h.createQuery(select), q).mapTo(Long.class).list();
      if (ids.isEmpty()) {
        return 0;
      }
      int n = h.createUpdate(update).bind("ids", Jdbc.longs(ids)).execute();
      if (n > 0 && dialect.supportsNotify()) {
        h.createQuery(dialect.notifyStatement()).bind(0, t.notifyChannel()).bind(1, Enqueuer.PAYLOAD_DELIVERIES)
            .map((rs, ctx) -> 1).findFirst();
      }
      return n;
    });
  }

  /** Makes every delivery leased to {@code owner} claimable now (an instance known to be dead). */
  public int expireLeases(String owner) {
    return jdbi.withHandle(h -> h.createUpdate("UPDATE " + t.delivery() + " SET next_at = CURRENT_TIMESTAMP WHERE state = "
        + Codes.IN_FLIGHT + " AND lease_owner = :owner").bind("owner", owner).execute());
  }

  /**
   * Deliveries due and not claimed plus due notifications awaiting expansion, each count stopping
   * at {@code atMost} rows. Both read only the partial indexes of open work ({@code next_at IS NOT
   * NULL}, implied by the comparison), never the finished rows, so the cost is bounded by
   * {@code atMost} plus the open rows scheduled for later.
   */
  public long backlog(long atMost) {
    return jdbi.withHandle(h -> {
      long deliveries = h.createQuery("SELECT COUNT(*) FROM (SELECT 1 FROM " + t.delivery()
          + " WHERE next_at <= CURRENT_TIMESTAMP AND state = " + Codes.PENDING + " LIMIT :n) x")
          .bind("n", atMost).mapTo(Long.class).one();
      if (deliveries >= atMost) {
        return atMost;
      }
      long expansions = h.createQuery("SELECT COUNT(*) FROM (SELECT 1 FROM " + t.notification()
          + " WHERE next_at <= CURRENT_TIMESTAMP LIMIT :n) x").bind("n", atMost - deliveries).mapTo(Long.class).one();
      return deliveries + expansions;
    });
  }

  /** Counts per channel and state, with the oldest due age. */
  public OutboxStats stats() {
    return jdbi.inTransaction(h -> {
      Instant now = h.createQuery("SELECT CURRENT_TIMESTAMP").map((rs, ctx) -> Jdbc.instant(rs, 1)).one();
      List<OutboxStats.Row> rows = new ArrayList<>();
      h.createQuery("SELECT channel, scope, state, COUNT(*) AS cnt, MIN(CASE WHEN state = " + Codes.PENDING
              + " AND next_at <= CURRENT_TIMESTAMP THEN next_at END) AS oldest FROM " + t.delivery()
              + " GROUP BY channel, scope, state ORDER BY channel, scope, state")
          .map((rs, ctx) -> {
            Instant oldest = Jdbc.instant(rs, "oldest");
            DeliveryState state = Codes.state(rs.getInt("state"));
            Channel channel = Channel.of(rs.getString("channel"));
            return rows.add(new OutboxStats.Row(channel, state, rs.getLong("cnt"), age(oldest, now),
                Scope.of(channel, rs.getString("scope"))));
          }).list();
      long[] waiting = new long[1];
      Instant[] oldestNote = new Instant[1];
      h.createQuery("SELECT COUNT(*) AS cnt, MIN(CASE WHEN next_at <= CURRENT_TIMESTAMP THEN next_at END) AS oldest FROM "
              + t.notification() + " WHERE next_at IS NOT NULL AND state = " + Codes.PENDING)
          .map((rs, ctx) -> {
            waiting[0] = rs.getLong("cnt");
            oldestNote[0] = Jdbc.instant(rs, "oldest");
            return null;
          }).list();
      return new OutboxStats(now, rows, waiting[0], age(oldestNote[0], now));
    });
  }

  private static Duration age(Instant since, Instant now) {
    if (since == null || since.isAfter(now)) {
      return Duration.ZERO;
    }
    return Duration.between(since, now);
  }
}
