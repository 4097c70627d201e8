package dev.herald.examples.sim;

import dev.herald.DeviceTarget;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A local stand-in for a browser's push service on 127.0.0.1: it checks the Web Push headers,
 * decrypts each message with the subscriber's key as the browser would, and answers 201 with a
 * {@code Location}, 410 for subscriptions it was told are gone, or a scripted number of 503s with
 * {@code Retry-After}.
 */
public final class SimulatedWebPushService implements Closeable {
  private final MockWebServer server = new MockWebServer();
  private final Map<String, WebPushSubscriber> subscribers = new ConcurrentHashMap<>();
  private final Map<String, Boolean> gone = new ConcurrentHashMap<>();
  private final AtomicInteger unavailable = new AtomicInteger();
  private final AtomicInteger ids = new AtomicInteger();
  private volatile int retryAfterSeconds = 1;
  private volatile BiConsumer<String, String> onMessage = (topic, text) -> {};
  private volatile BiConsumer<Integer, String> onAnswer = (code, why) -> {};

  /** Starts the server on a free loopback port. */
  public SimulatedWebPushService() {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return answer(request);
      }
    });
    try {
      server.start(java.net.InetAddress.getLoopbackAddress(), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new browser subscription on this push service. */
  public DeviceTarget.WebPushSubscription subscribe(String name) {
    WebPushSubscriber s = new WebPushSubscriber();
    subscribers.put(name, s);
    return s.subscription(server.url("/push/" + name).toString());
  }

  /** Answer the next {@code n} messages with 503 and {@code Retry-After: seconds}. */
  public void failNext(int n, int seconds) {
    retryAfterSeconds = seconds;
    unavailable.set(n);
  }

  /** Called with the Topic header and the decrypted text of each accepted message. */
  public void onMessage(BiConsumer<String, String> listener) {
    this.onMessage = listener;
  }

  /** Called with each non-2xx status and why. */
  public void onAnswer(BiConsumer<Integer, String> listener) {
    this.onAnswer = listener;
  }

  private MockResponse answer(RecordedRequest request) {
    String path = request.getUrl().encodedPath();
    String name = path.startsWith("/push/") ? path.substring(6) : "";
    WebPushSubscriber subscriber = subscribers.get(name);
    if (subscriber == null || gone.containsKey(name)) {
      return status(410, "subscription gone");
    }
    for (String h : new String[] {"TTL", "Content-Encoding", "Authorization"}) {
      if (request.getHeaders().get(h) == null) {
        return status(400, "missing " + h + " header");
      }
    }
    if (!"aes128gcm".equals(request.getHeaders().get("Content-Encoding"))) {
      return status(415, "unsupported content encoding");
    }
    if (!request.getHeaders().get("Authorization").startsWith("vapid t=")) {
      return status(401, "missing VAPID authorization");
    }
    if (unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      onAnswer.accept(503, "Retry-After: " + retryAfterSeconds);
      return new MockResponse.Builder().code(503).addHeader("Retry-After", String.valueOf(retryAfterSeconds)).build();
    }
    String text;
    try {
      text = new String(subscriber.decrypt(request.getBody().toByteArray()), StandardCharsets.UTF_8);
    } catch (java.security.GeneralSecurityException e) {
      return status(400, "cannot decrypt: " + e.getMessage());
    }
    onMessage.accept(request.getHeaders().get("Topic"), text);
    return new MockResponse.Builder().code(201)
        .addHeader("Location", server.url("/message/" + ids.incrementAndGet()).toString()).build();
  }

  private MockResponse status(int code, String why) {
    onAnswer.accept(code, why);
    return new MockResponse.Builder().code(code).body(why).build();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
