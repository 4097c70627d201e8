package dev.herald.reliability.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okio.Buffer;

/**
 * A MockWebServer on 127.0.0.1 answering through a function, with the plumbing every fake push
 * service needs: the server's own request queue is drained continuously (it would otherwise keep
 * every request body for the whole run), and faults are turned into responses.
 */
final class FakeServer implements AutoCloseable {
  private final MockWebServer server = new MockWebServer();
  private final Thread drainer;
  private final AtomicLong received = new AtomicLong();
  private volatile boolean closed;

  FakeServer(String name, Function<RecordedRequest, MockResponse> answer) {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        received.incrementAndGet();
        return answer.apply(request);
      }
    });
    try {
      server.start(InetAddress.getByName("127.0.0.1"), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    drainer = new Thread(() -> {
      while (!closed) {
        try {
          server.takeRequest(200, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "fake-" + name + "-drainer");
    drainer.setDaemon(true);
    drainer.start();
  }

  /** A URL on this server, always by address: nothing here may resolve a name to anything but 127.0.0.1. */
  String url(String path) {
    return server.url(path).newBuilder().host("127.0.0.1").build().toString();
  }

  /** The port, for counting connections to it. */
  int port() {
    return server.getPort();
  }

  /** Every request that reached the dispatcher. */
  long received() {
    return received.get();
  }

  /** The response for a fault; {@code accept} builds the 2xx answer. */
  static MockResponse respond(Fault fault, MockResponse.Builder accept, Function<Fault.Status, MockResponse.Builder> error) {
    if (fault instanceof Fault.Accept) {
      return accept.build();
    }
    if (fault instanceof Fault.Status s) {
      MockResponse.Builder b = error.apply(s);
      if (s.retryAfterSeconds() != null) {
        b.setHeader("Retry-After", s.retryAfterSeconds());
      }
      return b.build();
    }
    if (fault instanceof Fault.Slow slow) {
      return accept.headersDelay(slow.delay().toMillis(), TimeUnit.MILLISECONDS).build();
    }
    if (fault instanceof Fault.ResetBeforeResponse) {
      return new MockResponse.Builder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build();
    }
    if (fault instanceof Fault.ResetMidBody r) {
      MockResponse.Builder b = r.code() >= 200 && r.code() < 300 ? accept : error.apply(new Fault.Status(r.code(), null));
      Buffer body = new Buffer();
      body.writeUtf8("x".repeat(64 * 1024));
      return b.body(body).throttleBody(16 * 1024, 5, TimeUnit.MILLISECONDS)
          .onResponseBody(new SocketEffect.CloseSocket(true, false, false)).build();
    }
    throw new IllegalArgumentException("unknown fault " + fault);
  }

  @Override
  public void close() {
    closed = true;
    drainer.interrupt();
    server.close();
  }
}
