package dev.herald.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP/1.1 server on 127.0.0.1 that keeps connections alive and closes one that stays idle
 * longer than its keep-alive timeout, as Node's servers do after 5 s: a plain socket server, so that
 * what the client meets is a closed TCP connection, not a simulation of one. Each request is
 * answered as its {@link Behaviour} says (taken in order from a script, then {@link #answer}).
 * Thread-safe.
 */
public final class IdleClosingHttpServer implements AutoCloseable {

  /** What the server does with one request it has read. */
  public enum Behaviour {
    /** Answer with the response function's status and body, and keep the connection. */
    ANSWER,
    /** Answer as {@link #ANSWER} with {@code Connection: close}, and close. */
    ANSWER_AND_CLOSE,
    /** Close the connection without a byte of answer. */
    CLOSE_WITHOUT_ANSWER,
    /** Write the first bytes of a status line, then close. */
    CLOSE_AFTER_PARTIAL_ANSWER,
    /** Write the first bytes of a status line, then reset the connection (TCP RST). */
    RESET_AFTER_PARTIAL_ANSWER,
    /** Never answer (the client times out); the connection stays open until the server closes. */
    HANG
  }

  /**
   * An answer.
   *
   * @param status the HTTP status
   * @param contentType the content type of the body
   * @param body the body
   */
  public record Answer(int status, String contentType, String body) {}

  /**
   * A request as read.
   *
   * @param connection which connection it came on, counted from 1
   * @param method the method
   * @param path the path
   * @param body the body
   */
  public record Received(int connection, String method, String path, byte[] body) {}

  private final ServerSocket server;
  private final Duration keepAlive;
  private final boolean resetIdle;
  private final String scheme;
  private final Function<Received, Answer> answer;
  private final ConcurrentLinkedQueue<Behaviour> script = new ConcurrentLinkedQueue<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final Semaphore idleCloses = new Semaphore(0);
  private final Thread acceptor;
  private volatile boolean closed;

  /**
   * Starts the server.
   *
   * @param keepAlive how long a connection may stay idle before the server closes it
   * @param answer the answer to a request whose behaviour is {@link Behaviour#ANSWER}
   */
  public IdleClosingHttpServer(Duration keepAlive, Function<Received, Answer> answer) {
    this(keepAlive, false, answer);
  }

  /**
   * Starts the server.
   *
   * @param keepAlive how long a connection may stay idle before the server closes it
   * @param resetIdle close idle connections with a reset (TCP RST, as a crashed front end or a NAT
   *     that forgot the connection) rather than an orderly close
   * @param answer the answer to a request whose behaviour is {@link Behaviour#ANSWER}
   */
  public IdleClosingHttpServer(Duration keepAlive, boolean resetIdle, Function<Received, Answer> answer) {
    this(keepAlive, resetIdle, null, answer);
  }

  /**
   * Starts the server, over TLS when {@code tls} is given (HTTP/1.1 only: no ALPN), which then
   * closes an idle connection as TLS servers do: close_notify, then the TCP close.
   */
  public IdleClosingHttpServer(Duration keepAlive, boolean resetIdle, javax.net.ssl.SSLContext tls,
      Function<Received, Answer> answer) {
    this.keepAlive = keepAlive;
    this.resetIdle = resetIdle;
    this.answer = answer;
    this.scheme = tls == null ? "http" : "https";
    try {
      server = tls == null ? new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))
          : tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    acceptor = new Thread(this::accept, "idle-closing-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The base URL, {@code http://127.0.0.1:<port>} (https with TLS). */
  public String url() {
    return scheme + "://127.0.0.1:" + server.getLocalPort();
  }

  /** Queues behaviours for the next requests, in order; afterwards requests are answered. */
  public void script(Behaviour... next) {
    script.addAll(List.of(next));
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** Requests read so far, in order. */
  public List<Received> received() {
    return new ArrayList<>(received);
  }

  /**
   * Waits until the server has closed a connection for being idle.
   *
   * @throws AssertionError when none was closed within {@code timeout}
   */
  public void awaitIdleClose(Duration timeout) throws InterruptedException {
    if (!idleCloses.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("no idle connection was closed within " + timeout);
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket s = server.accept();
        int n = connections.incrementAndGet();
        open.add(s);
        Thread t = new Thread(() -> serve(s, n), "idle-closing-server-" + n);
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket socket, int connection) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      while (!closed) {
        socket.setSoTimeout((int) keepAlive.toMillis());
        String head;
        try {
          head = readHead(in);
        } catch (SocketTimeoutException idle) {
          if (resetIdle) {
            socket.setSoLinger(true, 0);
          }
          socket.close(); // the keep-alive timeout: close while the client still pools it
          idleCloses.release();
          return;
        }
        if (head == null) {
          return; // the client closed
        }
        socket.setSoTimeout(10_000);
        Received r = parse(connection, head, in);
        received.add(r);
        Behaviour b = script.poll();
        switch (b == null ? Behaviour.ANSWER : b) {
          case CLOSE_WITHOUT_ANSWER:
            return;
          case CLOSE_AFTER_PARTIAL_ANSWER:
            out.write("HTTP/1.1 20".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return;
          case RESET_AFTER_PARTIAL_ANSWER:
            out.write("HTTP/1.1 20".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(50); // let the bytes reach the client before the reset
            socket.setSoLinger(true, 0);
            return;
          case HANG:
            socket.setSoTimeout(0);
            while (!closed && in.read() >= 0) {
              // wait for the client to give up
            }
            return;
          default:
            boolean close = b == Behaviour.ANSWER_AND_CLOSE;
            Answer a = answer.apply(r);
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            String response = "HTTP/1.1 " + a.status() + " X\r\nContent-Type: " + a.contentType()
                + "\r\nContent-Length: " + body.length + "\r\nConnection: " + (close ? "close" : "keep-alive") + "\r\n\r\n";
            out.write(response.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            if (close) {
              return;
            }
        }
      }
    } catch (IOException e) {
      // the client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.remove(socket);
    }
  }

  /** The request line and headers, or null at the end of the stream before a request. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      head.write(c);
      matched = (c == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static Received parse(int connection, String head, InputStream in) throws IOException {
    String[] lines = head.split("\r\n");
    String[] requestLine = lines[0].split(" ");
    int length = 0;
    for (String line : lines) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return new Received(connection, requestLine[0], requestLine[1], body);
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
