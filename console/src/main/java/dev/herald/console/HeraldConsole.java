package dev.herald.console;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.herald.console.internal.ConsoleHandler;
import dev.herald.console.internal.JdkExchange;
import dev.herald.outbox.jdbc.OutboxAdmin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Herald's operator console: an overview per channel, a recipient's timeline, dead letters with
 * re-queueing, and a notification by key or id, as pages and a JSON API under one path. It reads and
 * acts only through the outbox's {@link OutboxAdmin}.
 *
 * <pre>{@code
 * HeraldConsole console = HeraldConsole.builder(outbox.admin())
 *     .engineStatus(engineStatus)          // an EngineStatusListener registered on the engine
 *     .actionsEnabled(true)                // re-queueing; read-only by default
 *     .build();
 * ConsoleServer server = console.start(new InetSocketAddress("127.0.0.1", 8099));
 * System.out.println("Herald console: " + server.url());
 * }</pre>
 *
 * <p>Mount it yourself instead: {@link #httpHandler()} on a JDK {@code HttpServer} context, or
 * {@link #servlet()} in a servlet container under a path such as {@code /herald/*}.
 *
 * <p><b>Security.</b> Read-only unless {@link Builder#actionsEnabled(boolean)}; every request passes
 * the {@link Builder#authorization(ConsoleAuthorization) authorization} hook, and without one only
 * loopback requests are served; actions are POST requests carrying a CSRF token bound to a cookie;
 * every page renders data as text (never as markup); tokens, endpoints and keys are shown redacted.
 *
 * <p>Immutable and thread-safe; one console may serve several mounts at once.
 */
public final class HeraldConsole {
  private static final Logger LOG = LoggerFactory.getLogger(HeraldConsole.class);
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");

  private final ConsoleHandler handler;
  private final ConsoleAuthorization authorization;
  private final String serverPath;
  private final int serverThreads;

  private HeraldConsole(Builder b) {
    byte[] secret = b.csrfSecret;
    if (secret == null) {
      secret = new byte[32];
      new SecureRandom().nextBytes(secret);
    }
    this.authorization = b.authorization;
    this.serverPath = b.serverPath;
    this.serverThreads = b.serverThreads;
    this.handler = new ConsoleHandler(b.admin, b.engineStatus, b.authorization, b.actionsEnabled, secret);
  }

  /** A builder over the outbox's operator API ({@code outbox.admin()}). */
  public static Builder builder(OutboxAdmin admin) {
    return new Builder(admin);
  }

  /** Whether re-queueing is enabled. */
  public boolean actionsEnabled() {
    return handler.actionsEnabled();
  }

  /**
   * A handler for a context of the host's own JDK {@code HttpServer}, at any path:
   * {@code server.createContext("/ops/herald", console.httpHandler())}. Without an authorization hook
   * it answers only requests that arrive on a loopback address.
   */
  public HttpHandler httpHandler() {
    return exchange -> handler.handle(new JdkExchange(exchange));
  }

  /** A servlet to register under a path such as {@code /herald/*}; see {@link HeraldConsoleServlet}. */
  public HeraldConsoleServlet servlet() {
    return new HeraldConsoleServlet(this);
  }

  /** The framework-neutral handler the adapters share. */
  ConsoleHandler handler() {
    return handler;
  }

  /**
   * Starts a JDK {@code HttpServer} on {@code address} serving the console under
   * {@link Builder#serverPath(String)} (default {@code /herald}), with its own small thread pool.
   * Port 0 picks a free port; {@link ConsoleServer#url()} tells which.
   *
   * @throws IllegalStateException when no authorization hook is configured and the address is not
   *     a loopback address (such as {@code 0.0.0.0}): the console would be open to the network
   * @throws UncheckedIOException when the server cannot bind
   */
  public ConsoleServer start(InetSocketAddress address) {
    Objects.requireNonNull(address, "address");
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("address must be resolved: " + address);
    }
    if (authorization == null && !address.getAddress().isLoopbackAddress()) {
      throw new IllegalStateException("the Herald console refuses to start on the non-loopback address "
          + address.getAddress().getHostAddress() + " without an authorization hook: configure "
          + "HeraldConsole.builder(...).authorization(...) or bind to 127.0.0.1");
    }
    // The JDK server writes the headers and the body of a response as two segments; with Nagle's
    // algorithm on, the body then waits for the client's delayed ACK (40 ms on Linux) on every
    // request. The property is read once, when the JDK's server classes load.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("the Herald console could not listen on " + address + ": " + e.getMessage(), e);
    }
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(serverThreads, r -> {
      Thread t = new Thread(r, "herald-console-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext(serverPath, httpHandler());
    server.start();
    ConsoleServer s = new ConsoleServer(server, pool, serverPath);
    LOG.info("Herald console listening at {} (actions {}, authorization {})", s.url(),
        handler.actionsEnabled() ? "enabled" : "disabled", authorization == null ? "none: loopback only" : "hook");
    return s;
  }

  /**
   * Configures a {@link HeraldConsole}. Setters validate their value; not thread-safe.
   */
  public static final class Builder {
    private final OutboxAdmin admin;
    private EngineStatus engineStatus = EngineStatus.none();
    private ConsoleAuthorization authorization;
    private boolean actionsEnabled;
    private byte[] csrfSecret;
    private String serverPath = "/herald";
    private int serverThreads = 4;

    private Builder(OutboxAdmin admin) {
      this.admin = Objects.requireNonNull(admin, "admin");
    }

    /** Paused channels and valve state from the engine; default {@link EngineStatus#none()}. */
    public Builder engineStatus(EngineStatus engineStatus) {
      this.engineStatus = Objects.requireNonNull(engineStatus, "engineStatus");
      return this;
    }

    /**
     * The hook every request passes; default none, which serves loopback requests only and keeps
     * {@link HeraldConsole#start} off other addresses.
     */
    public Builder authorization(ConsoleAuthorization authorization) {
      this.authorization = Objects.requireNonNull(authorization, "authorization");
      return this;
    }

    /** Whether operators may re-queue dead letters; default false (read-only). */
    public Builder actionsEnabled(boolean actionsEnabled) {
      this.actionsEnabled = actionsEnabled;
      return this;
    }

    /**
     * The key that signs CSRF tokens, at least 32 bytes; default random per console. Give every
     * instance the same one when a load balancer without sticky sessions spreads an operator's
     * requests over several.
     */
    public Builder csrfSecret(byte[] csrfSecret) {
      Objects.requireNonNull(csrfSecret, "csrfSecret");
      if (csrfSecret.length < 32) {
        throw new IllegalArgumentException("csrfSecret must be at least 32 bytes: " + csrfSecret.length);
      }
      this.csrfSecret = csrfSecret.clone();
      return this;
    }

    /** The path {@link HeraldConsole#start} serves the console under; default {@code /herald}. */
    public Builder serverPath(String serverPath) {
      Objects.requireNonNull(serverPath, "serverPath");
      if (!PATH.matcher(serverPath).matches() || serverPath.contains("/./") || serverPath.contains("/../")
          || serverPath.endsWith("/.") || serverPath.endsWith("/..")) {
        throw new IllegalArgumentException("serverPath must be /segment[/segment...] of [A-Za-z0-9._~-]: " + serverPath);
      }
      this.serverPath = serverPath;
      return this;
    }

    /** Threads of the server {@link HeraldConsole#start} runs; default 4, at most 64. */
    public Builder serverThreads(int serverThreads) {
      if (serverThreads < 1 || serverThreads > 64) {
        throw new IllegalArgumentException("serverThreads must be 1-64: " + serverThreads);
      }
      this.serverThreads = serverThreads;
      return this;
    }

    /** Builds the console. */
    public HeraldConsole build() {
      return new HeraldConsole(this);
    }
  }
}
