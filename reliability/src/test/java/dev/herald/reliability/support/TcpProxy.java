package dev.herald.reliability.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 between a connection pool and its database, so that a test can make
 * the database unreachable for its own connections only, without touching a server others share:
 * {@link #down()} resets every open connection and refuses new ones (the client sees a reset, then
 * a refused connect), {@link #up()} forwards again.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong cuts = new AtomicLong();
  private volatile boolean down;
  private volatile boolean closed;

  /** Listens on an ephemeral loopback port and forwards to {@code host:port}. */
  public TcpProxy(String host, int port) {
    this.target = new InetSocketAddress(host, port);
    try {
      this.listener = new ServerSocket(0, 128, InetAddress.getByName("127.0.0.1"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread acceptor = new Thread(this::accept, "tcp-proxy-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The port clients connect to. */
  public int port() {
    return listener.getLocalPort();
  }

  /** Resets every open connection and refuses new ones until {@link #up()}. */
  public void down() {
    down = true;
    cuts.incrementAndGet();
    for (Socket s : open) {
      reset(s);
    }
  }

  /** Forwards new connections again. */
  public void up() {
    down = false;
  }

  /** Whether connections are refused now. */
  public boolean isDown() {
    return down;
  }

  /** How many times {@link #down()} was called. */
  public long cuts() {
    return cuts.get();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue;
      }
      if (down) {
        reset(client);
        continue;
      }
      Socket server = new Socket();
      try {
        server.connect(target, 3_000);
      } catch (IOException e) {
        reset(client);
        closeQuietly(server);
        continue;
      }
      open.add(client);
      open.add(server);
      pump(client, server);
      pump(server, client);
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // the other side or down() ended it
      } finally {
        reset(from);
        reset(to);
      }
    }, "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Closes with a reset (SO_LINGER 0), as a database that crashed or a network that dropped would. */
  private void reset(Socket s) {
    open.remove(s);
    try {
      s.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // already closed
    }
    closeQuietly(s);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(listener);
    for (Socket s : open) {
      reset(s);
    }
  }

  private static void closeQuietly(ServerSocket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }
}
