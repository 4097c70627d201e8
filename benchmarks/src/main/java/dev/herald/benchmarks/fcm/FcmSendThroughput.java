package dev.herald.benchmarks.fcm;

import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.Outcome;
import dev.herald.fcm.FcmTransport;
import dev.herald.fcm.ServiceAccount;
import dev.herald.testing.fcm.FakeFcm;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

/**
 * FCM sends per second through {@link FcmTransport} against a local HTTP/2 (h2c) server that only
 * answers ({@link H2cConstantServer}), in one JVM. A closed loop keeps a fixed number of sends
 * outstanding (twice the in-flight bound, so the transport's dispatcher never runs dry) and counts
 * completed sends; every one must be Delivered.
 *
 * <p>{@code --connections N --streams S}: the server advertises {@code SETTINGS_MAX_CONCURRENT_STREAMS
 * = S} and the transport allows {@code N * S} requests in flight, so OkHttp fills one connection and
 * opens the next, as it would against FCM. The server is counted separately in the CPU figures,
 * because on this machine it shares the two cores with the client.
 *
 * <pre>
 * java -cp ... dev.herald.benchmarks.fcm.FcmSendThroughput --connections 2 --streams 100 --seconds 20
 * </pre>
 */
public final class FcmSendThroughput {
  private FcmSendThroughput() {}

  /** Runs one configuration and prints one result line. */
  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    int connections = Integer.parseInt(a.getOrDefault("connections", "1"));
    int streams = Integer.parseInt(a.getOrDefault("streams", "100"));
    int seconds = Integer.parseInt(a.getOrDefault("seconds", "20"));
    int warmup = Integer.parseInt(a.getOrDefault("warmup", "10"));
    int inFlight = connections * streams;
    int outstanding = Integer.parseInt(a.getOrDefault("outstanding", Integer.toString(2 * inFlight)));

    // The access token comes from herald-testing's fake token endpoint, which verifies the assertion;
    // the sends go to a server that only answers, so that the figures are the client's.
    try (FakeFcm google = FakeFcm.start();
        H2cConstantServer fcm = new H2cConstantServer(streams);
        FcmTransport transport = FcmTransport.builder()
            .serviceAccount(ServiceAccount.fromJson(google.serviceAccountJson()))
            .baseUrl("http://127.0.0.1:" + fcm.port())
            .http2PriorKnowledge(true)
            .maxInFlight(inFlight)
            .build()) {
      Delivery delivery = delivery();
      Outcome first = transport.send(delivery).toCompletableFuture().get();
      if (!(first instanceof Outcome.Delivered)) {
        throw new IllegalStateException("first send was not delivered: " + first);
      }

      Semaphore permits = new Semaphore(outstanding);
      LongAdder delivered = new LongAdder();
      Map<String, LongAdder> failures = new ConcurrentHashMap<>();
      run(transport, delivery, permits, delivered, failures, warmup);

      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long cpu0 = os.getProcessCpuTime();
      long server0 = serverCpu(fcm, threads);
      long gc0 = gcMillis();
      long count0 = delivered.sum();
      int opened0 = fcm.connections.get();
      long t0 = System.nanoTime();
      run(transport, delivery, permits, delivered, failures, seconds);
      long elapsed = System.nanoTime() - t0;
      long count = delivered.sum() - count0;
      long cpu = os.getProcessCpuTime() - cpu0;
      long server = serverCpu(fcm, threads) - server0;

      permits.acquire(outstanding); // drain before closing
      double rate = count * 1e9 / elapsed;
      System.out.printf("connections=%d (opened %d, %d while measuring, used %d) streams/conn=%d inFlight=%d outstanding=%d seconds=%d: "
              + "%.0f sends/s; process CPU %.2f cores (h2c server %.2f, client %.2f), client CPU %.1f us/send, "
              + "GC %d ms, failures %s%n",
          connections, fcm.connections.get(), fcm.connections.get() - opened0, fcm.connectionsUsed.get(), streams, inFlight, outstanding, seconds, rate,
          cpu / (double) elapsed, server / (double) elapsed, (cpu - server) / (double) elapsed,
          (cpu - server) / 1e3 / count, gcMillis() - gc0, failures);
    }
  }

  private static void run(FcmTransport transport, Delivery delivery, Semaphore permits, LongAdder delivered,
      Map<String, LongAdder> failures, int seconds) throws InterruptedException {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      permits.acquire();
      transport.send(delivery).whenComplete((outcome, error) -> {
        if (outcome instanceof Outcome.Delivered) {
          delivered.increment();
        } else {
          String what = error != null ? error.getClass().getSimpleName() : outcome.getClass().getSimpleName()
              + ":" + outcome.rawCode();
          failures.computeIfAbsent(what, k -> new LongAdder()).increment();
        }
        permits.release();
      });
    }
  }

  private static long serverCpu(H2cConstantServer fcm, ThreadMXBean threads) {
    long sum = 0;
    for (Thread t : fcm.connectionThreads()) {
      long ns = threads.getThreadCpuTime(t.getId());
      sum += Math.max(ns, 0);
    }
    return sum;
  }

  private static long gcMillis() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(gc.getCollectionTime(), 0);
    }
    return sum;
  }

  /** A typical notification: title, body, two data entries, a legacy token ~160 characters long. */
  private static Delivery delivery() {
    String token = "fGx1ZXhQZ3NyRWs6QVBBOTFiSGxlYXZlLWl0LWFsb25lLXRoaXMtaXMtYS1iZW5jaG1hcmstdG9rZW4:APA91bH"
        + "x".repeat(80);
    Content content = Content.builder().title("Your order has shipped").body("Order 4711 is on its way and arrives Tuesday")
        .data("orderId", "4711").data("screen", "orders").build();
    String key = "order-4711:shipped";
    return new Delivery(1, key, 1, new DeviceTarget.FcmToken(token), content, DeliveryOptions.DEFAULTS,
        CollapseKeys.effective(key, DeliveryOptions.DEFAULTS), null);
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value pairs: " + args[i]);
      }
      m.put(args[i].substring(2), args[i + 1]);
    }
    return m;
  }
}
