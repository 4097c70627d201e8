package dev.herald.kafka.internal;

import dev.herald.Notification;
import dev.herald.kafka.Action;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** {@link OutboxSeam} on the front door's caller-transaction methods. */
public final class JdbcOutboxSeam implements OutboxSeam {
  private final JdbcHerald herald;

  /** A seam onto this outbox. */
  public JdbcOutboxSeam(JdbcHerald herald) {
    this.herald = Objects.requireNonNull(herald, "herald");
  }

  @Override
  public void apply(Connection connection, List<Action> actions) {
    // Consecutive enqueues go in one enqueueAll: a batch of events costs a few statements, not a
    // few per event. Order between an enqueue and a cancel of the same key is kept.
    List<Notification> run = new ArrayList<>();
    for (Action a : actions) {
      if (a instanceof Action.Enqueue e) {
        run.add(e.notification());
        continue;
      }
      flush(connection, run);
      if (a instanceof Action.Cancel c) {
        herald.cancel(connection, c.idempotencyKey(), c.reason());
      } else if (a instanceof Action.Register r) {
        if (r.replaces() == null) {
          herald.devices().register(connection, r.recipientId(), r.target());
        } else {
          herald.devices().register(connection, r.recipientId(), r.target(), r.replaces());
        }
      } else if (a instanceof Action.Unregister u) {
        herald.devices().unregister(connection, u.target());
      }
    }
    flush(connection, run);
  }

  private void flush(Connection connection, List<Notification> run) {
    if (!run.isEmpty()) {
      herald.enqueueAll(connection, run);
      run.clear();
    }
  }

  @Override
  public long backlog(long atMost) {
    return herald.admin().backlog(atMost);
  }
}
