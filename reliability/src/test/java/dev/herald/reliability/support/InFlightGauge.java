package dev.herald.reliability.support;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;

/**
 * Counts, on the client side, the requests a transport has on a connection at once: an exchange
 * holds its connection from {@code connectionAcquired} to {@code connectionReleased}. This is what
 * a transport's {@code maxInFlight} bounds. Open sockets are not bounded by it: HTTP/1.1 needs one
 * per concurrent request, OkHttp's pool trims idle ones beyond five asynchronously, and a socket the
 * pool has dropped is ESTABLISHED until it is closed, so a sample of sockets in the middle of a burst
 * may see more than {@code maxInFlight} without anything leaking. Token-endpoint calls ({@code /token})
 * are not counted: they have their own dispatcher.
 */
public final class InFlightGauge extends EventListener implements AutoCloseable {
  private final AtomicInteger now = new AtomicInteger();
  private final AtomicLong peak = new AtomicLong();
  private final ExecutorService executor;
  private final OkHttpClient client;

  /** A gauge and a client to hand to a transport's {@code okHttpClient(...)}; its threads are named {@code name}. */
  public InFlightGauge(String name) {
    AtomicInteger threads = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, name + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.client = new OkHttpClient.Builder().connectionPool(new ConnectionPool()).dispatcher(new Dispatcher(executor))
        .eventListener(this).build();
  }

  /** The client to give the transport. */
  public OkHttpClient client() {
    return client;
  }

  /** The most requests on a connection at once so far. */
  public long peak() {
    return peak.get();
  }

  @Override
  public void connectionAcquired(Call call, Connection connection) {
    if (counted(call)) {
      peak.accumulateAndGet(now.incrementAndGet(), Math::max);
    }
  }

  @Override
  public void connectionReleased(Call call, Connection connection) {
    if (counted(call)) {
      now.decrementAndGet();
    }
  }

  private static boolean counted(Call call) {
    return !call.request().url().encodedPath().equals("/token");
  }

  /** Closes the pool's connections and stops the threads. */
  @Override
  public void close() {
    client.connectionPool().evictAll();
    executor.shutdown();
  }
}
