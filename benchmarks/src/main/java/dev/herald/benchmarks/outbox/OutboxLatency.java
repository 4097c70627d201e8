package dev.herald.benchmarks.outbox;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.spi.Transport;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Due-to-send latency at a steady enqueue rate: producers (their own outbox instance, so no
 * in-process wake-up helps) enqueue due-now notifications in their own transactions; one engine
 * sends them through a no-op transport that records, per notification, the time from just before
 * the enqueue's commit to the transport's send call.
 *
 * <pre>
 * java -cp ... dev.herald.benchmarks.outbox.OutboxLatency --rate 1000 --seconds 20 --warmup 5
 *     --notify true|false --poll-ms 1000 [--url jdbc:postgresql://...]
 * </pre>
 */
public final class OutboxLatency {
  private OutboxLatency() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = BenchSupport.args(argv);
    int rate = Integer.parseInt(a.getOrDefault("rate", "1000"));
    int seconds = Integer.parseInt(a.getOrDefault("seconds", "20"));
    int warmup = Integer.parseInt(a.getOrDefault("warmup", "5"));
    boolean notify = Boolean.parseBoolean(a.getOrDefault("notify", "true"));
    long pollMs = Long.parseLong(a.getOrDefault("poll-ms", "1000"));
    int producers = Integer.parseInt(a.getOrDefault("producers", "4"));
    String url = BenchSupport.url(a);
    System.out.println("# OutboxLatency rate=" + rate + "/s notify=" + notify + " pollInterval=" + pollMs + "ms producers="
        + producers + " on " + BenchSupport.machine());

    try (HikariDataSource ds = BenchSupport.pool(url, producers + 8)) {
      String prefix = BenchSupport.newPrefix();
      JdbcOutbox producerStore = BenchSupport.outbox(ds, prefix, false);
      producerStore.migrate();
      JdbcOutbox engineStore = BenchSupport.outbox(ds, prefix, notify);
      Map<String, Long> committedAt = new ConcurrentHashMap<>();
      long measureFrom = System.nanoTime() + Duration.ofSeconds(warmup).toNanos();
      long end = measureFrom + Duration.ofSeconds(seconds).toNanos();
      long[] samples = new long[(rate + 100) * seconds * 2];
      AtomicInteger n = new AtomicInteger();
      long[] commitSamples = new long[(rate + 100) * seconds * 2];
      AtomicInteger cn = new AtomicInteger();
      Transport recorder = new Transport() {
        @Override
        public Channel channel() {
          return Channel.FCM;
        }

        @Override
        public CompletionStage<Outcome> send(Delivery d) {
          long now = System.nanoTime();
          Long t0 = committedAt.remove(d.notificationKey());
          if (t0 != null && t0 >= measureFrom && t0 < end) {
            int i = n.getAndIncrement();
            if (i < samples.length) {
              samples[i] = now - t0;
            }
          }
          return CompletableFuture.completedFuture(new Outcome.Delivered(null));
        }
      };
      long[] claimNanos = new long[200_000];
      AtomicInteger claims = new AtomicInteger();
      dev.herald.store.OutboxStore timed = new dev.herald.store.OutboxStore() {
        public dev.herald.EnqueueResult enqueue(Notification x) { return engineStore.enqueue(x); }
        public boolean cancel(String k) { return engineStore.cancel(k); }
        public dev.herald.store.ClaimBatch claim(dev.herald.store.ClaimRequest r) {
          long t = System.nanoTime();
          dev.herald.store.ClaimBatch b = engineStore.claim(r);
          int i = claims.getAndIncrement();
          if (i < claimNanos.length) claimNanos[i] = System.nanoTime() - t;
          return b;
        }
        public List<dev.herald.store.Completion> complete(List<dev.herald.store.Completion> c) { return engineStore.complete(c); }
        public java.util.Optional<dev.herald.NotificationStatus> find(String k) { return engineStore.find(k); }
        public void verify() { engineStore.verify(); }
        public Running start(Runnable r) { return engineStore.start(r); }
      };
      Herald engine = Herald.builder().store(timed).transport(recorder).instanceId("latency")
          .pollInterval(Duration.ofMillis(pollMs)).build();
      engine.start();
      try {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        long intervalNanos = 1_000_000_000L * producers / rate;
        for (int p = 0; p < producers; p++) {
          int id = p;
          Thread t = new Thread(() -> {
            long next = start + id * (intervalNanos / producers);
            int i = 0;
            while (!stop.get() && System.nanoTime() < end) {
              long wait = next - System.nanoTime();
              if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
              }
              String key = "p" + id + "-" + i++;
              Notification note = BenchSupport.notification(key);
              long e0 = System.nanoTime();
              try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                producerStore.enqueue(c, note);
                long tc = System.nanoTime();
                committedAt.put(key, tc);
                c.commit();
                if (tc >= measureFrom) {
                  int k = cn.getAndIncrement();
                  if (k < commitSamples.length) {
                    commitSamples[k] = System.nanoTime() - e0;
                  }
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              sent.incrementAndGet();
              next += intervalNanos;
            }
          }, "producer-" + p);
          threads.add(t);
          t.start();
        }
        for (Thread t : threads) {
          t.join();
        }
        Thread.sleep(Math.max(2_000, 3 * pollMs));
        int count = Math.min(n.get(), samples.length);
        long[] s = Arrays.copyOf(samples, count);
        Arrays.sort(s);
        double achieved = sent.get() / ((System.nanoTime() - start - Math.max(2_000, 3 * pollMs) * 1e6) / 1e9);
        System.out.printf("notify=%s poll=%dms enqueued=%d (%.0f/s) measured=%d p50=%.1f ms p90=%.1f ms p99=%.1f ms max=%.1f ms%n",
            notify, pollMs, sent.get(), achieved, count, pct(s, 0.50), pct(s, 0.90), pct(s, 0.99), s.length == 0 ? 0 : s[s.length - 1] / 1e6);
        long[] cs = Arrays.copyOf(commitSamples, Math.min(cn.get(), commitSamples.length));
        Arrays.sort(cs);
        long[] cl = Arrays.copyOf(claimNanos, Math.min(claims.get(), claimNanos.length));
        Arrays.sort(cl);
        System.out.printf("  claims=%d p50=%.2f ms p99=%.2f ms max=%.1f ms%n", cl.length, pct(cl, 0.5), pct(cl, 0.99), cl[cl.length - 1] / 1e6);
        System.out.printf("  producer enqueue+commit: p50=%.1f ms p99=%.1f ms%n", pct(cs, 0.5), pct(cs, 0.99));
      } finally {
        engine.close();
        engineStore.close();
        producerStore.close();
        BenchSupport.drop(ds, prefix);
      }
    }
  }

  private static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
  }
}
