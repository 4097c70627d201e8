package dev.herald.benchmarks.outbox;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.spi.InputValidator;
import dev.herald.spi.Transport;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/** Shared pieces of the outbox benchmarks: arguments, a pool, a fresh table prefix, a no-op transport. */
final class BenchSupport {
  private BenchSupport() {}

  /** {@code --name value} pairs. */
  static Map<String, String> args(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value pairs: " + args[i]);
      }
      m.put(args[i].substring(2), args[i + 1]);
    }
    return m;
  }

  static String url(Map<String, String> a) {
    String url = a.getOrDefault("url", System.getenv().getOrDefault("HERALD_BENCH_URL",
        "jdbc:postgresql://127.0.0.1:55432/herald?user=herald&password=herald"));
    return url;
  }

  static HikariDataSource pool(String url, int size) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(url);
    c.setMaximumPoolSize(size);
    c.setMinimumIdle(Math.min(size, 4));
    c.setPoolName("bench");
    return new HikariDataSource(c);
  }

  static String newPrefix() {
    return "bench_" + UUID.randomUUID().toString().substring(0, 6) + "_";
  }

  static void drop(HikariDataSource ds, String prefix) {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      for (String t : new String[] {"notification", "delivery", "dedup", "device", "schema_version"}) {
        s.execute("DROP TABLE IF EXISTS " + prefix + t);
      }
      s.execute("DROP SEQUENCE IF EXISTS " + prefix + "notification_seq");
    } catch (SQLException e) {
      System.err.println("could not drop " + prefix + "*: " + e.getMessage());
    }
  }

  /**
   * Refreshes the planner's statistics after a bulk fill, as autovacuum would within a minute on a
   * long-lived table; without it the first claims plan for an empty table.
   */
  static void analyze(HikariDataSource ds, String prefix) {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      if (c.getMetaData().getDatabaseProductName().equals("PostgreSQL")) {
        s.execute("ANALYZE " + prefix + "notification");
        s.execute("ANALYZE " + prefix + "delivery");
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static JdbcOutbox outbox(HikariDataSource ds, String prefix, boolean listen) {
    return JdbcOutbox.builder(ds).tablePrefix(prefix).listenNotify(listen).purgeInterval(Duration.ZERO)
        .validator(InputValidator.none()).build();
  }

  static Notification notification(String key) {
    return Notification.builder(key).recipient(Recipient.device(new DeviceTarget.FcmToken("device-token-" + key)))
        .title("Your schedule starts now").body("Standup in room 3").data("scheduleId", "42").build();
  }

  /**
   * Enqueues {@code count} notifications in batches from {@code threads} threads; returns the elapsed
   * nanos. A batch that fails (the shared server restarted) is enqueued again: the idempotency keys
   * make the retry safe.
   */
  static long prefill(JdbcOutbox outbox, String keyPrefix, int count, int batch, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "prefill");
      t.setDaemon(true);
      return t;
    });
    try {
      long t0 = System.nanoTime();
      List<Future<?>> fs = new ArrayList<>();
      int perThread = (count + threads - 1) / threads;
      for (int t = 0; t < threads; t++) {
        int from = t * perThread;
        int to = Math.min(count, from + perThread);
        fs.add(pool.submit(() -> {
          List<Notification> b = new ArrayList<>(batch);
          for (int i = from; i < to; i++) {
            b.add(notification(keyPrefix + i));
            if (b.size() == batch || i == to - 1) {
              enqueueRetrying(outbox, b);
              b.clear();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      return System.nanoTime() - t0;
    } finally {
      pool.shutdownNow();
    }
  }

  private static void enqueueRetrying(JdbcOutbox outbox, List<Notification> batch) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        if (batch.size() == 1) {
          outbox.enqueue(batch.get(0));
        } else {
          outbox.enqueueAll(batch);
        }
        return;
      } catch (RuntimeException e) {
        if (attempt >= 20) {
          throw e;
        }
        System.err.println("enqueue failed (" + e.getMessage() + "); retrying");
        Thread.sleep(250);
      }
    }
  }

  /** Answers every send at once with "delivered" and counts. */
  static final class NoOpTransport implements Transport {
    final LongAdder sends = new LongAdder();
    private static final CompletionStage<Outcome> DELIVERED = CompletableFuture.completedFuture(new Outcome.Delivered(null));

    @Override
    public Channel channel() {
      return Channel.FCM;
    }

    @Override
    public CompletionStage<Outcome> send(Delivery delivery) {
      sends.increment();
      return DELIVERED;
    }
  }

  static String machine() {
    return Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
        + ", max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB";
  }
}
