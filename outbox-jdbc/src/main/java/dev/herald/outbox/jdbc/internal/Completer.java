package dev.herald.outbox.jdbc.internal;

import dev.herald.internal.Recordable;
import dev.herald.store.Completion;
import dev.herald.store.Resolution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Records a batch of completions in one transaction with one fenced statement: an
 * {@code UPDATE ... FROM unnest(ids, tokens, ...)} that only touches rows still in flight under the
 * completion's token. The rows it returns were applied; every other completion was stale.
 *
 * <p>Texts are made storable on the way in ({@link Jdbc#clip}) and delays clamped, so that a
 * push service's NUL byte or a huge {@code Retry-After} can never make the database refuse a batch.
 *
 * <p>"Target gone" completions that ask for it then invalidate their device and finish that
 * device's other pending deliveries in the same transaction, devices in id order so that two
 * batches cannot deadlock on each other.
 */
public final class Completer {
  private final Jdbi jdbi;
  private final Dialect dialect;
  private final DeviceStore devices;
  private final String complete;
  private final String deviceOf;

  /** A completer for one schema. */
  public Completer(Jdbi jdbi, Dialect dialect, Tables t, DeviceStore devices) {
    this.jdbi = jdbi;
    this.dialect = dialect;
    this.devices = devices;
    this.complete = dialect.returning("UPDATE " + t.delivery() + " SET state = u.s, attempts = attempts + u.inc,"
            + " next_at = CASE WHEN u.d IS NULL THEN NULL ELSE CURRENT_TIMESTAMP + CAST(u.d AS BIGINT) * INTERVAL '0.001' SECOND END,"
            + " finished_at = CASE WHEN u.d IS NULL THEN CURRENT_TIMESTAMP ELSE NULL END,"
            + " lease_owner = NULL, provider_id = u.p, last_error = u.e"
            + " FROM (SELECT * FROM unnest(:ids, :toks, :states, :incs, :delays, :pids, :errs)) u(i, tk, s, inc, d, p, e)"
            + " WHERE " + t.delivery() + ".id = u.i AND " + t.delivery() + ".fencing_token = u.tk"
            + " AND " + t.delivery() + ".state = " + Codes.IN_FLIGHT,
        "id, fencing_token");
    this.deviceOf = "SELECT d.device_id, n.payload FROM " + t.delivery() + " d JOIN " + t.notification()
        + " n ON n.id = d.notification_id WHERE d.id = :id";
  }

  /** Applies the completions; returns those that were stale. */
  public List<Completion> complete(List<Completion> completions) {
    List<Completion> stale = new ArrayList<>();
    List<Completion> batch = new ArrayList<>(completions.size());
    Set<List<Long>> seen = new HashSet<>();
    for (Completion c : completions) {
      // A repeat of the same claim's completion in one batch can only be a stale duplicate.
      if (seen.add(List.of(c.deliveryId(), c.fencingToken()))) {
        batch.add(c);
      } else {
        stale.add(c);
      }
    }
    if (batch.isEmpty()) {
      return stale;
    }
    List<Long> ids = new ArrayList<>(batch.size());
    List<Long> toks = new ArrayList<>(batch.size());
    List<Integer> states = new ArrayList<>(batch.size());
    List<Integer> incs = new ArrayList<>(batch.size());
    List<Long> delays = new ArrayList<>(batch.size());
    List<String> pids = new ArrayList<>(batch.size());
    List<String> errs = new ArrayList<>(batch.size());
    for (Completion c : batch) {
      ids.add(c.deliveryId());
      toks.add(c.fencingToken());
      Resolution r = c.resolution();
      states.add(Codes.of(r.state()));
      incs.add(r.countsAsAttempt() ? 1 : 0);
      // A delay both databases can add to their clock (Duration.toMillis overflows, PostgreSQL's
      // interval ends far sooner): no delay Herald chooses comes near Recordable.MAX_DELAY.
      delays.add(r.delay() == null ? null : Recordable.delay(r.delay()).toMillis());
      pids.add(Jdbc.clip(r.providerId(), 255));
      errs.add(Jdbc.clip(r.lastError(), Resolution.MAX_LAST_ERROR));
    }
    boolean invalidates = batch.stream()
        .anyMatch(c -> c.resolution() instanceof Resolution.TargetGone tg && tg.invalidateDevice());
    Set<List<Long>> applied = jdbi.inTransaction(h -> {
      dialect.pinIndexPlans(h);
      Set<List<Long>> done = new HashSet<>(h.createQuery(complete).define(Dialect.PINNED, true)
          .bind("ids", Jdbc.longs(ids)).bind("toks", Jdbc.longs(toks)).bind("states", Jdbc.ints(states))
          .bind("incs", Jdbc.ints(incs)).bind("delays", Jdbc.longs(delays)).bind("pids", Jdbc.strings(pids))
          .bind("errs", Jdbc.strings(errs))
          .map((rs, ctx) -> List.of(rs.getLong("id"), rs.getLong("fencing_token"))).list());
      if (invalidates) {
        // In the same transaction: the device change commits with the outcome or not at all.
        invalidateDevices(h, batch, done);
      }
      return done;
    });
    for (Completion c : batch) {
      if (!applied.contains(List.of(c.deliveryId(), c.fencingToken()))) {
        stale.add(c);
      }
    }
    return stale;
  }

  private void invalidateDevices(Handle h, List<Completion> batch, Set<List<Long>> applied) {
    TreeMap<Long, String> byDevice = new TreeMap<>();
    for (Completion c : batch) {
      if (c.resolution() instanceof Resolution.TargetGone tg && tg.invalidateDevice()
          && applied.contains(List.of(c.deliveryId(), c.fencingToken()))) {
        Long deviceId = h.createQuery(deviceOf).bind("id", c.deliveryId()).map((rs, ctx) -> {
          long dev = rs.getLong("device_id");
          if (!rs.wasNull()) {
            return dev;
          }
          // An explicit target: invalidate it too if it happens to be registered.
          var target = PayloadCodec.decodePayload(rs.getBytes("payload")).target();
          return target == null ? null : devices.idOf(h, target);
        }).findOne().orElse(null);
        if (deviceId != null) {
          byDevice.putIfAbsent(deviceId, tg.lastError());
        }
      }
    }
    byDevice.forEach((deviceId, reason) -> devices.invalidate(h, deviceId, reason));
  }
}
