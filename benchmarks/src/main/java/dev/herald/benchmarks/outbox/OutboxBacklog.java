package dev.herald.benchmarks.outbox;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Delivery;
import dev.herald.Herald;
import dev.herald.Outcome;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.spi.DeliveryListener;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A large backlog: fill it (enqueues/s in batches), then drain it with one engine in a small heap
 * and report the peak heap in use, GC time and deliveries/s.
 *
 * <pre>
 * java -cp ... dev.herald.benchmarks.outbox.OutboxBacklog --phase fill --count 1000000 [--batch 1000] [--threads 4]
 *     (prints the table prefix it filled; --batch 1 measures single-notification transactions)
 * java -Xmx128m -cp ... dev.herald.benchmarks.outbox.OutboxBacklog --phase drain --prefix bench_xxxxxx_
 *     --count 1000000 [--batch 500] [--drop true]
 * </pre>
 */
public final class OutboxBacklog {
  private OutboxBacklog() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = BenchSupport.args(argv);
    String phase = a.getOrDefault("phase", "fill");
    int count = Integer.parseInt(a.getOrDefault("count", "1000000"));
    String url = BenchSupport.url(a);
    System.out.println("# OutboxBacklog phase=" + phase + " count=" + count + " on " + BenchSupport.machine());
    try (HikariDataSource ds = BenchSupport.pool(url, 8)) {
      if (phase.equals("fill")) {
        String prefix = a.getOrDefault("prefix", BenchSupport.newPrefix());
        JdbcOutbox outbox = BenchSupport.outbox(ds, prefix, false);
        outbox.migrate();
        int threads = Integer.parseInt(a.getOrDefault("threads", "4"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "1000"));
        long nanos = BenchSupport.prefill(outbox, "b-", count, batch, threads);
        BenchSupport.analyze(ds, prefix);
        System.out.printf("filled %s with %d notifications in %.1f s: enqueues/s=%.0f (batches of %d, %d threads)%n",
            prefix, count, nanos / 1e9, count / (nanos / 1e9), batch, threads);
        outbox.close();
        return;
      }
      String prefix = a.get("prefix");
      if (prefix == null) {
        throw new IllegalArgumentException("--prefix is required for --phase drain");
      }
      int batch = Integer.parseInt(a.getOrDefault("batch", "500"));
      drain(ds, prefix, count, batch);
      if (Boolean.parseBoolean(a.getOrDefault("drop", "true"))) {
        BenchSupport.drop(ds, prefix);
      }
    }
  }

  private static void drain(HikariDataSource ds, String prefix, int count, int batch) throws Exception {
    JdbcOutbox store = BenchSupport.outbox(ds, prefix, true);
    store.verifySchema();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long baseline = memory.getHeapMemoryUsage().getUsed();
    AtomicLong peak = new AtomicLong();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        long used = memory.getHeapMemoryUsage().getUsed();
        peak.accumulateAndGet(used, Math::max);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "heap-sampler");
    sampler.setDaemon(true);
    LongAdder recorded = new LongAdder();
    CountDownLatch done = new CountDownLatch(1);
    Herald engine = Herald.builder().store(store).transport(new BenchSupport.NoOpTransport()).instanceId("drain")
        .batchSize(batch).maxInFlightPerChannel(2 * batch).completionBatchSize(batch).lease(Duration.ofMinutes(5))
        .listener(new DeliveryListener() {
          @Override
          public void delivered(Delivery d, Outcome.Delivered o) {
            recorded.increment();
            if (recorded.sum() >= count) {
              done.countDown();
            }
          }
        }).build();
    long gcBefore = gcMillis();
    sampler.start();
    long t0 = System.nanoTime();
    engine.start();
    long lastReport = t0;
    while (!done.await(1, TimeUnit.SECONDS)) {
      long now = System.nanoTime();
      if (now - lastReport > 10_000_000_000L) {
        System.out.printf("  %d delivered after %.0f s, heap now %d MiB%n", recorded.sum(), (now - t0) / 1e9,
            memory.getHeapMemoryUsage().getUsed() >> 20);
        lastReport = now;
      }
      if (now - t0 > TimeUnit.MINUTES.toNanos(20)) {
        throw new IllegalStateException("gave up after 20 minutes with " + recorded.sum() + " delivered");
      }
    }
    long nanos = System.nanoTime() - t0;
    sampler.interrupt();
    engine.close();
    store.close();
    System.out.printf("drained %d in %.1f s: deliveries/s=%.0f; heap: max %d MiB, peak used %d MiB (%d MiB before the"
            + " drain), GC %d ms%n", count, nanos / 1e9, count / (nanos / 1e9), Runtime.getRuntime().maxMemory() >> 20,
        peak.get() >> 20, baseline >> 20, gcMillis() - gcBefore);
  }

  private static long gcMillis() {
    long ms = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ms += Math.max(0, gc.getCollectionTime());
    }
    return ms;
  }
}
