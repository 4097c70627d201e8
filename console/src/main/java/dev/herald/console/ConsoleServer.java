package dev.herald.console;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;

/**
 * A console served by a JDK {@code HttpServer} that {@link HeraldConsole#start} started. Close it to
 * stop listening. Thread-safe; {@link #close()} is idempotent.
 */
public final class ConsoleServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService pool;
  private final String path;
  private volatile boolean closed;

  ConsoleServer(HttpServer server, ExecutorService pool, String path) {
    this.server = server;
    this.pool = pool;
    this.path = path;
  }

  /** The address it listens on (with the real port when started on port 0). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** The console's URL, such as {@code http://127.0.0.1:8099/herald/}. */
  public URI url() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + a.getPort() + path + "/");
  }

  /** Stops listening at once (requests in progress get a second to finish). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.stop(1);
    pool.shutdownNow();
  }

  @Override
  public String toString() {
    return "ConsoleServer[" + url() + "]";
  }
}
