package dev.herald.benchmarks.fcm;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The smallest HTTP/2 server that can take FCM's place in a throughput run: cleartext with prior
 * knowledge (RFC 9113 §3.3), one thread per connection, answering every request that ends its
 * stream with the same {@code 200 {"name": "..."}}. It is not a fake of FCM: it checks nothing (no
 * access token, no message), does not decode request headers (HPACK state only matters to a
 * decoder) and does almost nothing per request, so that the measured cost is the client's.
 * herald-testing's FakeFcm, which checks requests as FCM does, runs on MockWebServer, which records
 * every request and runs a task per stream: on two shared cores the benchmark would mostly measure it.
 *
 * <p>It advertises {@code SETTINGS_MAX_CONCURRENT_STREAMS}, which is how FCM makes OkHttp open a
 * second connection once one is full.
 */
final class H2cConstantServer implements AutoCloseable {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int SETTINGS = 0x4;
  private static final int PING = 0x6;
  private static final int GOAWAY = 0x7;
  private static final int WINDOW_UPDATE = 0x8;
  private static final int FLAG_END_STREAM = 0x1;
  private static final int FLAG_ACK = 0x1;
  private static final int FLAG_END_HEADERS = 0x4;
  private static final int BIG_WINDOW = 1 << 30;

  /** HPACK: ":status: 200" (static index 8), then content-type as a literal with indexed name 31. */
  private static final byte[] RESPONSE_HEADERS = responseHeaders();

  private final ServerSocket server;
  private final int maxConcurrentStreams;
  private final Thread acceptor;
  private final List<Thread> connectionThreads = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  final AtomicInteger connections = new AtomicInteger();
  final AtomicLong responses = new AtomicLong();
  /** Connections that answered at least one request (OkHttp may open and drop extra ones while racing). */
  final AtomicInteger connectionsUsed = new AtomicInteger();
  final AtomicLong requestBytes = new AtomicLong();
  private volatile boolean closed;

  H2cConstantServer(int maxConcurrentStreams) throws IOException {
    this.maxConcurrentStreams = maxConcurrentStreams;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "h2c-constant-acceptor");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** The threads serving connections, for CPU accounting. */
  List<Thread> connectionThreads() {
    return connectionThreads;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = server.accept();
        s.setTcpNoDelay(true);
        sockets.add(s);
        int n = connections.incrementAndGet();
        Thread t = new Thread(() -> serve(s), "h2c-constant-conn-" + n);
        t.setDaemon(true);
        connectionThreads.add(t);
        t.start();
      } catch (IOException e) {
        if (!closed) {
          System.err.println("h2c server: accept failed: " + e);
        }
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
      byte[] preface = new byte[PREFACE.length];
      in.readFully(preface);
      if (!java.util.Arrays.equals(preface, PREFACE)) {
        throw new IOException("not an HTTP/2 prior-knowledge preface");
      }
      // Our SETTINGS: stream limit, and a large per-stream receive window for request bodies.
      byte[] settings = new byte[12];
      putSetting(settings, 0, 0x3, maxConcurrentStreams);
      putSetting(settings, 6, 0x4, BIG_WINDOW);
      writeFrame(out, SETTINGS, 0, 0, settings, settings.length);
      writeWindowUpdate(out, 0, BIG_WINDOW - 65_535); // connection-level receive window
      out.flush();

      long unacknowledged = 0;
      long id = 0;
      boolean used = false;
      byte[] payload = new byte[16 * 1024];
      while (!closed) {
        int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        if (length > payload.length) {
          payload = new byte[length];
        }
        in.readFully(payload, 0, length);
        switch (type) {
          case DATA -> {
            requestBytes.addAndGet(length);
            unacknowledged += length;
            if (unacknowledged > BIG_WINDOW / 2) {
              writeWindowUpdate(out, 0, (int) unacknowledged);
              unacknowledged = 0;
            }
            if ((flags & FLAG_END_STREAM) != 0) {
              respond(out, stream, ++id);
            }
          }
          case HEADERS -> {
            if (!used) {
              used = true;
              connectionsUsed.incrementAndGet();
            }
            if ((flags & FLAG_END_STREAM) != 0) {
              respond(out, stream, ++id);
            }
          }
          case SETTINGS -> {
            if ((flags & FLAG_ACK) == 0) {
              writeFrame(out, SETTINGS, FLAG_ACK, 0, payload, 0);
            }
          }
          case PING -> {
            if ((flags & FLAG_ACK) == 0) {
              writeFrame(out, PING, FLAG_ACK, 0, payload, 8);
            }
          }
          case GOAWAY -> {
            return;
          }
          default -> {
            // WINDOW_UPDATE, PRIORITY, RST_STREAM, CONTINUATION: nothing to do. Our responses are
            // ~100 bytes and OkHttp opens a 16 MiB window, so they never wait for credit.
          }
        }
        if (in.available() == 0) {
          out.flush(); // batch responses while more requests are already buffered
        }
      }
    } catch (IOException e) {
      if (!closed && !(e instanceof java.io.EOFException)) {
        System.err.println("h2c server: connection ended: " + e);
      }
    }
  }

  private void respond(OutputStream out, int stream, long id) throws IOException {
    writeFrame(out, HEADERS, FLAG_END_HEADERS, stream, RESPONSE_HEADERS, RESPONSE_HEADERS.length);
    byte[] body = ("{\"name\":\"projects/bench-project/messages/0:" + id + "\"}").getBytes(StandardCharsets.US_ASCII);
    writeFrame(out, DATA, FLAG_END_STREAM, stream, body, body.length);
    responses.incrementAndGet();
  }

  private static void putSetting(byte[] b, int at, int id, int value) {
    b[at] = (byte) (id >>> 8);
    b[at + 1] = (byte) id;
    b[at + 2] = (byte) (value >>> 24);
    b[at + 3] = (byte) (value >>> 16);
    b[at + 4] = (byte) (value >>> 8);
    b[at + 5] = (byte) value;
  }

  private static void writeWindowUpdate(OutputStream out, int stream, int increment) throws IOException {
    byte[] b = {(byte) (increment >>> 24), (byte) (increment >>> 16), (byte) (increment >>> 8), (byte) increment};
    writeFrame(out, WINDOW_UPDATE, 0, stream, b, 4);
  }

  private static void writeFrame(OutputStream out, int type, int flags, int stream, byte[] payload, int length)
      throws IOException {
    out.write(length >>> 16);
    out.write(length >>> 8);
    out.write(length);
    out.write(type);
    out.write(flags);
    out.write(stream >>> 24);
    out.write(stream >>> 16);
    out.write(stream >>> 8);
    out.write(stream);
    out.write(payload, 0, length);
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }

  private static byte[] responseHeaders() {
    byte[] type = "application/json; charset=UTF-8".getBytes(StandardCharsets.US_ASCII);
    byte[] b = new byte[4 + type.length];
    b[0] = (byte) 0x88; // indexed: :status 200
    b[1] = 0x0f; // literal without indexing, name index 31 (content-type) = 15 + 16
    b[2] = 0x10;
    b[3] = (byte) type.length; // under 127 and not Huffman-coded
    System.arraycopy(type, 0, b, 4, type.length);
    return b;
  }
}
