package dev.herald.outbox.jdbc.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Deletes finished notifications older than the retention, a small batch per transaction so the
 * claim path never waits long on it, and forgets idempotency keys once their dedup window has
 * passed. Several instances may purge at once: candidates are locked with SKIP LOCKED.
 *
 * <p>A key outlives its purged notification: its dedup row gets {@code forget_after = finished +
 * dedup window} and stays until then, so a duplicate enqueue is still recognised.
 */
public final class Purger {
  private final Jdbi jdbi;
  private final Duration retention;
  private final Duration dedupWindow;
  private final int batchSize;
  private final String candidates;
  private final String lastFinished;
  private final String deleteDeliveries;
  private final String deleteNotifications;
  private final String keepKey;
  private final String forgettable;
  private final String forgetKeys;

  /** A purger for one schema. */
  public Purger(Jdbi jdbi, Dialect dialect, Tables t, Duration retention, Duration dedupWindow, int batchSize) {
    this.jdbi = jdbi;
    this.retention = retention;
    this.dedupWindow = dedupWindow;
    this.batchSize = batchSize;
    String cutoff = "(CURRENT_TIMESTAMP - CAST(:retMs AS BIGINT) * INTERVAL '0.001' SECOND)";
    this.candidates = dialect.lockFirst("SELECT n.id, n.idempotency_key, n.finished_at, CURRENT_TIMESTAMP AS now FROM "
        + t.notification() + " n WHERE n.state <> " + Codes.PENDING + " AND n.created_at < " + cutoff
        + " AND (n.finished_at IS NULL OR n.finished_at < " + cutoff + ")"
        + " AND NOT EXISTS (SELECT 1 FROM " + t.delivery() + " d WHERE d.notification_id = n.id"
        + " AND (d.next_at IS NOT NULL OR d.finished_at >= " + cutoff + "))", "n.id", ":n");
    this.lastFinished = "SELECT notification_id, MAX(finished_at) AS fin FROM " + t.delivery()
        + " WHERE notification_id = ANY(:ids) GROUP BY notification_id";
    // Re-checks next_at: a dead letter re-queued meanwhile is open again and stays.
    this.deleteDeliveries = "DELETE FROM " + t.delivery() + " WHERE notification_id = ANY(:ids) AND next_at IS NULL";
    this.deleteNotifications = dialect.returning("DELETE FROM " + t.notification() + " WHERE id = ANY(:ids)"
        + " AND NOT EXISTS (SELECT 1 FROM " + t.delivery() + " d WHERE d.notification_id = " + t.notification() + ".id)", "id");
    this.keepKey = "UPDATE " + t.dedup() + " SET forget_after = :f WHERE idempotency_key = :k AND notification_id = :nid";
    this.forgettable = "SELECT idempotency_key FROM " + t.dedup() + " WHERE forget_after <= CURRENT_TIMESTAMP"
        + " ORDER BY forget_after LIMIT :n";
    // Re-checks the time: a key revived by a new enqueue meanwhile has forget_after NULL and stays.
    this.forgetKeys = "DELETE FROM " + t.dedup() + " WHERE idempotency_key = ANY(:keys) AND forget_after <= CURRENT_TIMESTAMP";
  }

  /** What one pass removed. */
  public record Result(int notifications, int keys) {}

  /** Purges until a batch comes back short; returns the totals. */
  public Result purge() {
    int notes = 0;
    int n;
    do {
      n = purgeNotifications();
      notes += n;
    } while (n >= batchSize);
    int keys = 0;
    do {
      n = jdbi.withHandle(h -> {
        List<String> due = h.createQuery(forgettable).bind("n", batchSize).mapTo(String.class).list();
        return due.isEmpty() ? 0 : h.createUpdate(forgetKeys).bind("keys", Jdbc.strings(due)).execute();
      });
      keys += n;
    } while (n >= batchSize);
    return new Result(notes, keys);
  }

  private record Candidate(long id, String key, Instant finishedAt, Instant now) {}

  private int purgeNotifications() {
    return jdbi.inTransaction(h -> {
      List<Candidate> found = h.createQuery(candidates).bind("retMs", retention.toMillis()).bind("n", batchSize)
          .map((rs, ctx) -> new Candidate(rs.getLong("id"), rs.getString("idempotency_key"),
              Jdbc.instant(rs, "finished_at"), Jdbc.instant(rs, "now")))
          .list();
      if (found.isEmpty()) {
        return 0;
      }
      List<Long> ids = new ArrayList<>(found.size());
      found.forEach(c -> ids.add(c.id()));
      Map<Long, Instant> last = new HashMap<>();
      h.createQuery(lastFinished).bind("ids", Jdbc.longs(ids))
          .map((rs, ctx) -> last.put(rs.getLong("notification_id"), Jdbc.instant(rs, "fin"))).list();
      h.createUpdate(deleteDeliveries).bind("ids", Jdbc.longs(ids)).execute();
      List<Long> deleted = h.createQuery(deleteNotifications).bind("ids", Jdbc.longs(ids)).mapTo(Long.class).list();
      if (deleted.isEmpty()) {
        return 0;
      }
      Map<Long, Candidate> byId = new HashMap<>();
      found.forEach(c -> byId.put(c.id(), c));
      PreparedBatch batch = h.prepareBatch(keepKey);
      for (long id : deleted) {
        Candidate c = byId.get(id);
        Instant fin = c.finishedAt() != null ? c.finishedAt() : last.getOrDefault(id, c.now());
        if (fin == null) {
          fin = c.now();
        }
        batch.bind("f", Jdbc.instant(fin.plus(dedupWindow))).bind("k", c.key()).bind("nid", id).add();
      }
      batch.execute();
      return deleted.size();
    });
  }
}
