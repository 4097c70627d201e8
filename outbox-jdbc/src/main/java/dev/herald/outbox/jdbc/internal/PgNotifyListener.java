package dev.herald.outbox.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens for the outbox's NOTIFY on a connection of its own and calls {@code onWake} for each
 * burst of notifications, with true when one of them says a recipient notification needs expansion. Reconnects by itself with a capped backoff, and calls {@code onWake} after
 * each (re)connect because notifications sent while it was away are lost. Polling remains the
 * safety net; this only makes pick-up fast.
 *
 * <p>The connection comes from the outbox's DataSource and is held for as long as the listener
 * runs; {@code unwrap(PGConnection.class)} sees through pool proxies such as HikariCP's.
 */
public final class PgNotifyListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PgNotifyListener.class);
  private static final int WAIT_MILLIS = 500;
  private static final long VALIDATE_EVERY_NANOS = Duration.ofSeconds(10).toNanos();
  private static final long MAX_BACKOFF_MILLIS = 5_000;

  private final DataSource dataSource;
  private final String channel;
  private final Consumer<Boolean> onWake;
  private final Thread thread;
  private volatile boolean closed;
  private volatile boolean listening;
  private volatile Connection current;

  /** Creates the listener; {@link #start()} starts its thread. */
  public PgNotifyListener(DataSource dataSource, String channel, Consumer<Boolean> onWake) {
    this.dataSource = dataSource;
    this.channel = channel;
    this.onWake = onWake;
    this.thread = new Thread(this::run, "herald-outbox-listen-" + channel);
    this.thread.setDaemon(true);
  }

  /** Starts listening. */
  public void start() {
    thread.start();
  }

  /** Whether the LISTEN is currently established (for tests and health checks). */
  public boolean listening() {
    return listening;
  }

  private void run() {
    long backoff = 100;
    boolean failedBefore = false;
    while (!closed) {
      try (Connection c = dataSource.getConnection()) {
        current = c;
        if (!c.getAutoCommit()) {
          c.setAutoCommit(true);
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN " + channel);
        }
        listening = true;
        if (failedBefore) {
          LOG.info("Herald outbox: listening for wake-ups on {} again", channel);
        }
        failedBefore = false;
        backoff = 100;
        wake(true); // whatever was committed while we were not listening
        long lastCheck = System.nanoTime();
        while (!closed) {
          PGNotification[] ns = pg.getNotifications(WAIT_MILLIS);
          if (ns != null && ns.length > 0) {
            boolean recipients = false;
            for (PGNotification n : ns) {
              recipients |= !Enqueuer.PAYLOAD_DELIVERIES.equals(n.getParameter());
            }
            wake(recipients);
            lastCheck = System.nanoTime();
          } else if (System.nanoTime() - lastCheck > VALIDATE_EVERY_NANOS) {
            // A half-open TCP connection never raises an error on its own; ask the server.
            try (Statement s = c.createStatement()) {
              s.execute("SELECT 1");
            }
            lastCheck = System.nanoTime();
          }
        }
      } catch (SQLException | RuntimeException e) {
        listening = false;
        if (closed) {
          break;
        }
        if (!failedBefore) {
          LOG.warn("Herald outbox: lost the wake-up listener on {} ({}); polling continues, reconnecting",
              channel, e.toString());
        } else {
          LOG.debug("Herald outbox: wake-up listener reconnect failed: {}", e.toString());
        }
        failedBefore = true;
        sleep(backoff);
        backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
      } finally {
        listening = false;
        current = null;
      }
    }
  }

  private void wake(boolean recipients) {
    try {
      onWake.accept(recipients);
    } catch (RuntimeException e) {
      LOG.warn("Herald outbox: a wake-up subscriber threw; ignored", e);
    }
  }

  private void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  /** Stops the thread and releases its connection. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(5).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Connection c = current;
    if (thread.isAlive() && c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // closing a connection we are abandoning anyway
      }
    }
  }
}
