package dev.herald.testing.internal;

import dev.herald.testing.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.Protocol;
import okhttp3.internal.http2.Settings;

/**
 * A MockWebServer on 127.0.0.1 answering through a function, with what every fake needs: URLs by
 * address (nothing here may resolve a name), the server's own request queue drained as requests
 * arrive (MockWebServer keeps every request for {@code takeRequest}, which would hold every body of
 * a long run), and {@link Reply} turned into a response.
 */
public final class FakeHttpServer implements AutoCloseable {
  private final MockWebServer server = new MockWebServer();
  private final String scheme;

  /**
   * Starts a server.
   *
   * @param tls the server's TLS context, or null for plain http
   * @param h2cPriorKnowledge cleartext HTTP/2 only (RFC 9113 §3.3); otherwise HTTP/1.1, and HTTP/2 by ALPN over TLS
   */
  public FakeHttpServer(SSLContext tls, boolean h2cPriorKnowledge, Function<RecordedRequest, MockResponse> handler) {
    if (tls != null && h2cPriorKnowledge) {
      throw new IllegalArgumentException("prior knowledge is for cleartext HTTP/2; over TLS, HTTP/2 is chosen by ALPN");
    }
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        drain();
        return handler.apply(request);
      }
    });
    if (tls != null) {
      server.useHttps(tls.getSocketFactory());
      server.setProtocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
    } else if (h2cPriorKnowledge) {
      server.setProtocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE));
    }
    this.scheme = tls != null ? "https" : "http";
    try {
      server.start(InetAddress.getByName("127.0.0.1"), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a server on 127.0.0.1", e);
    }
  }

  private void drain() {
    try {
      while (server.takeRequest(0, TimeUnit.MILLISECONDS) != null) {
        // MockWebServer queues every request, also those that failed before reaching the dispatcher.
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The origin the client addressed: scheme, and the {@code Host} header (HTTP/1.1) or {@code :authority} (HTTP/2). */
  public static String origin(RecordedRequest request) {
    String authority = request.getHeaders().get("Host");
    if (authority == null) {
      authority = request.getHeaders().get(":authority");
    }
    return (request.getHandshake() != null ? "https://" : "http://") + authority;
  }

  /** {@code http://127.0.0.1:<port><path>} (https with TLS). */
  public String url(String path) {
    return scheme + "://127.0.0.1:" + server.getPort() + path;
  }

  /** The port. */
  public int port() {
    return server.getPort();
  }

  /**
   * The response for {@code reply}.
   *
   * @param success the service's own success, used for {@link Reply#accept()} (its status and body)
   * @param bodyFor the service's own body for a status, used when the reply has none
   */
  public static MockResponse render(Reply reply, MockResponse.Builder success, Function<Integer, MockResponse.Builder> bodyFor) {
    switch (reply.cut()) {
      case BEFORE_ANSWER:
        return delayed(new MockResponse.Builder(), reply).onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build();
      case NEVER_ANSWERED:
        return new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build();
      default:
        break;
    }
    MockResponse.Builder b;
    if (reply.status() == 0) {
      b = success;
    } else if (reply.hasBody()) {
      b = new MockResponse.Builder().code(reply.status());
    } else {
      b = bodyFor.apply(reply.status()).code(reply.status());
    }
    if (reply.hasBody()) {
      b.removeHeader("Content-Type");
      if (reply.contentType() != null) {
        b.setHeader("Content-Type", reply.contentType());
      }
      b.body(reply.body());
    }
    reply.headers().forEach(b::setHeader);
    if (reply.cut() == Reply.Cut.MID_BODY) {
      // The cut comes half-way through the body: a body of nothing could not be cut.
      MockResponse peek = b.build();
      if (peek.getBody() == null || peek.getBody().getContentLength() < 2) {
        b.body(" ".repeat(64));
      }
      // On HTTP/1.1 this closes the connection, on HTTP/2 it resets the stream, as a failing front end does.
      b.onResponseBody(new SocketEffect.CloseStream());
    }
    return delayed(b, reply).build();
  }

  /** {@code response} announcing {@code SETTINGS_MAX_CONCURRENT_STREAMS} (HTTP/2) before it is written. */
  public static MockResponse withMaxConcurrentStreams(MockResponse response, int streams) {
    Settings settings = new Settings();
    settings.set(Settings.MAX_CONCURRENT_STREAMS, streams);
    return response.newBuilder().settings(settings).build();
  }

  private static MockResponse.Builder delayed(MockResponse.Builder b, Reply reply) {
    return reply.delay().isZero() ? b : b.headersDelay(reply.delay().toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    server.close();
  }
}
