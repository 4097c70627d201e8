package dev.herald.spring.boot.autoconfigure.internal;

import dev.herald.outbox.jdbc.JdbcHerald;
import java.util.Objects;
import org.springframework.context.SmartLifecycle;

/**
 * Runs Herald's delivery engine with the application context: started once every bean exists, and
 * stopped in the same shutdown sequence as the web server. Its phase is below the web server's
 * graceful shutdown ({@code DEFAULT_PHASE - 1024}) and stop ({@code DEFAULT_PHASE - 2048}), so the
 * engine starts before the server takes requests and stops after the server let its running
 * requests finish (those may still enqueue). Stopping lets in-flight sends finish within
 * {@code herald.engine.shutdown-timeout} and releases the rest to another instance at once.
 *
 * <p>When the context closes, Herald is closed on a thread of its own and Spring waits for it at
 * most {@code spring.lifecycle.timeout-per-shutdown-phase}: the application's shutdown stays
 * bounded even if closing Herald is not (a database gone at shutdown), and Herald's threads are
 * daemons that do not keep the JVM alive.
 */
public final class HeraldLifecycle implements SmartLifecycle {
  /** The lifecycle phase: below the web server's graceful shutdown and stop. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private final JdbcHerald herald;
  private boolean running;
  private boolean stopped;

  /** The lifecycle of this Herald. */
  public HeraldLifecycle(JdbcHerald herald) {
    this.herald = Objects.requireNonNull(herald, "herald");
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    if (stopped) {
      // JdbcHerald.close() is final; a stopped context cannot bring this one back.
      throw new IllegalStateException("Herald's engine was stopped with the application context and cannot be "
          + "started again; restart the application");
    }
    herald.start();
    running = true;
  }

  @Override
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    stopped = true;
    herald.close();
  }

  @Override
  public void stop(Runnable callback) {
    synchronized (this) {
      if (!running) {
        callback.run();
        return;
      }
      running = false;
      stopped = true;
    }
    Thread t = new Thread(() -> {
      try {
        herald.close();
      } finally {
        callback.run();
      }
    }, "herald-shutdown");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public synchronized boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
