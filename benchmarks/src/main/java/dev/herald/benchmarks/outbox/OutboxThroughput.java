package dev.herald.benchmarks.outbox;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.Herald;
import dev.herald.Outcome;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.store.ClaimBatch;
import dev.herald.store.ClaimRequest;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.spi.DeliveryListener;
import dev.herald.store.Resolution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Deliveries per second through the outbox with a no-op transport, for given engine counts and
 * claim batch sizes; and enqueues per second while filling the backlog.
 *
 * <pre>
 * java -cp ... dev.herald.benchmarks.outbox.OutboxThroughput --count 50000 --engines 1,2 --batches 1,10,100,500
 *     [--mode engine|store] [--url jdbc:postgresql://...]
 * </pre>
 *
 * {@code --mode engine} runs full Herald engines (claim, dispatch threads, transport, batched
 * completer); {@code --mode store} runs only the store's claim-then-complete loop per "engine"
 * thread, to separate the database's share from the engine's.
 */
public final class OutboxThroughput {
  private OutboxThroughput() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = BenchSupport.args(argv);
    int count = Integer.parseInt(a.getOrDefault("count", "50000"));
    String mode = a.getOrDefault("mode", "engine");
    List<Integer> engineCounts = ints(a.getOrDefault("engines", "1,2"));
    List<Integer> batches = ints(a.getOrDefault("batches", "1,10,100,500"));
    String url = BenchSupport.url(a);
    System.out.println("# OutboxThroughput mode=" + mode + " count=" + count + " on " + BenchSupport.machine());
    try (HikariDataSource ds = BenchSupport.pool(url, 16)) {
      run(ds, mode, 1, 100, Math.min(count, 20_000), true); // warm-up, not reported
      for (int engines : engineCounts) {
        for (int batch : batches) {
          int n = batch == 1 ? Math.min(count, 10_000) : count;
          run(ds, mode, engines, batch, n, false);
        }
      }
    }
  }

  private static void run(HikariDataSource ds, String mode, int engines, int batch, int count, boolean warmup)
      throws Exception {
    String prefix = BenchSupport.newPrefix();
    JdbcOutbox producer = BenchSupport.outbox(ds, prefix, false);
    producer.migrate();
    List<JdbcOutbox> stores = new ArrayList<>();
    try {
      long enqNanos = BenchSupport.prefill(producer, "k-", count, 1000, 2);
      BenchSupport.analyze(ds, prefix);
      producer.claim(new ClaimRequest("x", Duration.ofSeconds(1), Map.of())); // nothing: warms the claim path
      for (int i = 0; i < engines; i++) {
        stores.add(BenchSupport.outbox(ds, prefix, true));
      }
      long nanos = mode.equals("store") ? storeLoop(stores, batch, count) : engineRun(stores, batch, count);
      if (!warmup) {
        System.out.printf("engines=%d batch=%d count=%d deliveries/s=%.0f (%.2f s)  enqueues/s=%.0f%n", engines, batch,
            count, count / (nanos / 1e9), nanos / 1e9, count / (enqNanos / 1e9));
      }
    } finally {
      stores.forEach(JdbcOutbox::close);
      producer.close();
      BenchSupport.drop(ds, prefix);
    }
  }

  private static long engineRun(List<JdbcOutbox> stores, int batch, int count) throws InterruptedException {
    LongAdder recorded = new LongAdder();
    CountDownLatch done = new CountDownLatch(1);
    DeliveryListener counter = new DeliveryListener() {
      @Override
      public void delivered(Delivery d, Outcome.Delivered o) {
        recorded.increment();
        if (recorded.sum() >= count) {
          done.countDown();
        }
      }
    };
    List<Herald> hs = new ArrayList<>();
    for (int i = 0; i < stores.size(); i++) {
      hs.add(Herald.builder().store(stores.get(i)).transport(new BenchSupport.NoOpTransport()).instanceId("bench-" + i)
          .batchSize(batch).maxInFlightPerChannel(Math.max(2 * batch, 64)).completionBatchSize(Math.max(batch, 100))
          .pollInterval(Duration.ofMillis(100)).lease(Duration.ofMinutes(5)).listener(counter).build());
    }
    long t0 = System.nanoTime();
    hs.forEach(Herald::start);
    if (!done.await(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("only " + recorded.sum() + " of " + count + " recorded");
    }
    long nanos = System.nanoTime() - t0;
    hs.forEach(Herald::close);
    return nanos;
  }

  private static long storeLoop(List<JdbcOutbox> stores, int batch, int count) throws Exception {
    LongAdder recorded = new LongAdder();
    List<Thread> threads = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < stores.size(); i++) {
      JdbcOutbox s = stores.get(i);
      String owner = "bench-" + i;
      Thread t = new Thread(() -> {
        ClaimRequest req = new ClaimRequest(owner, Duration.ofMinutes(5), Map.of(Channel.FCM, batch));
        while (recorded.sum() < count) {
          ClaimBatch b = s.claim(req);
          if (b.deliveries().isEmpty()) {
            continue;
          }
          List<Completion> cs = new ArrayList<>(b.deliveries().size());
          for (ClaimedDelivery d : b.deliveries()) {
            cs.add(new Completion(d.delivery().deliveryId(), d.fencingToken(), new Resolution.Delivered(null)));
          }
          s.complete(cs);
          recorded.add(cs.size());
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return System.nanoTime() - t0;
  }

  private static List<Integer> ints(String csv) {
    List<Integer> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      out.add(Integer.parseInt(s.trim()));
    }
    return out;
  }
}
