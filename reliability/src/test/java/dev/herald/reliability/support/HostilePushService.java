package dev.herald.reliability.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A push service, FCM and its OAuth2 token endpoint that are not on our side: a raw HTTP/1.1
 * server on 127.0.0.1 that, while {@link #hostile(boolean) hostile}, answers each request with
 * whatever a seeded random source picks: any status (also 1xx, 3xx, 999 and no valid status line),
 * {@code Retry-After} of a year, of {@code Long.MAX_VALUE} seconds, negative, a fraction, garbage or
 * an HTTP-date in year 9999, a {@code Location} with a NUL byte or 300 KB long, bodies with NUL
 * bytes, invalid UTF-8, megabytes, deep JSON or no end at all, token responses whose token holds
 * a line break or whose lifetime is 10^308 seconds, answers after seconds, and connections reset
 * before, during or instead of the answer. Sometimes it accepts. When not hostile it answers as the
 * real services do: Web Push 201, FCM 200 with a message name, the token endpoint a token.
 *
 * <p>Paths: {@code /push/<name>} (Web Push), {@code /token}, {@code /v1/projects/<p>/messages:send}.
 */
public final class HostilePushService implements AutoCloseable {
  private static final int[] STATUSES = {100, 200, 201, 202, 204, 301, 302, 303, 307, 308, 400, 401, 403, 404, 408, 410,
      413, 418, 429, 500, 502, 503, 504, 599, 999};
  private static final String[] RETRY_AFTER = {"0", "1", "31536000", "9223372036854775807", "99999999999999999999999",
      "-1", "1.5", "soon", "Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "2", " 3 ", "\u00003"};

  private final ServerSocket server;
  private final Random random;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
  private final AtomicLong tokens = new AtomicLong();
  private final AtomicLong messages = new AtomicLong();
  private volatile boolean hostile = true;
  private volatile boolean closed;

  /** Starts the service; {@code seed} makes its choices (not their timing) repeatable. */
  public HostilePushService(long seed) {
    this.random = new Random(seed);
    try {
      this.server = new ServerSocket(0, 256, InetAddress.getByName("127.0.0.1"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread acceptor = new Thread(this::accept, "hostile-push-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** From now on answer hostile (true) or as the real services do (false). */
  public void hostile(boolean hostile) {
    this.hostile = hostile;
  }

  /** The base URL, {@code http://127.0.0.1:<port>}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** How often each kind of answer was given, for the figures. */
  public Map<String, Long> counts() {
    Map<String, Long> m = new TreeMap<>();
    counts.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  /** Requests received in all. */
  public long requests() {
    return counts.values().stream().mapToLong(AtomicLong::get).sum();
  }

  private void count(String what) {
    counts.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket s = server.accept();
        open.add(s);
        Thread t = new Thread(() -> serve(s), "hostile-push-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setSoTimeout(60_000);
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (!closed) {
        String path = readRequest(in);
        if (path == null) {
          return;
        }
        if (!answer(s, out, path)) {
          return;
        }
      }
    } catch (IOException e) {
      // the client gave up, or we reset it
    } finally {
      open.remove(s);
    }
  }

  /** Reads one request and returns its path, or null at the end of the connection. */
  private static String readRequest(InputStream in) throws IOException {
    String requestLine = line(in);
    if (requestLine == null || requestLine.isEmpty()) {
      return null;
    }
    long length = 0;
    boolean chunked = false;
    String h;
    while ((h = line(in)) != null && !h.isEmpty()) {
      String lower = h.toLowerCase(java.util.Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Long.parseLong(h.substring(15).trim());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      }
    }
    if (chunked) {
      while (true) {
        String size = line(in);
        if (size == null) {
          return null;
        }
        int n = Integer.parseInt(size.trim().split(";")[0], 16);
        in.skipNBytes(n);
        line(in);
        if (n == 0) {
          break;
        }
      }
    } else {
      in.skipNBytes(length);
    }
    String[] parts = requestLine.split(" ");
    return parts.length > 1 ? parts[1] : "/";
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  /** Answers one request; false when the connection must end. */
  private boolean answer(Socket s, OutputStream out, String path) throws IOException {
    String kind = path.equals("/token") ? "token" : path.endsWith("/messages:send") ? "fcm" : "webpush";
    if (!hostile) {
      count(kind + " ok");
      ok(out, kind, true);
      return true;
    }
    int dice;
    int status;
    int retryAfter;
    int location;
    int body;
    int delayMillis;
    synchronized (random) {
      dice = random.nextInt(100);
      status = STATUSES[random.nextInt(STATUSES.length)];
      retryAfter = random.nextInt(RETRY_AFTER.length + 3) - 3;
      location = random.nextInt(10);
      body = random.nextInt(12);
      delayMillis = random.nextInt(10) == 0 ? 500 + random.nextInt(2_500) : 0;
    }
    if (delayMillis > 0) {
      count(kind + " delayed");
      sleep(delayMillis);
    }
    if (dice < 30) {
      count(kind + " accepted");
      ok(out, kind, true);
      return true;
    }
    if (dice < 36) {
      count(kind + " reset before the answer");
      reset(s);
      return false;
    }
    if (dice < 39) {
      count(kind + " no valid status line");
      out.write("HTTP/1.1 abc garbage\r\n\u0000\u0001\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return false;
    }
    if (dice < 44 && kind.equals("token")) {
      count("token hostile token");
      String token = switch (body % 4) {
        case 0 -> "{\"access_token\":\"ya29.x\\r\\nX-Injected: 1\",\"expires_in\":3599,\"token_type\":\"Bearer\"}";
        case 1 -> "{\"access_token\":\"ya29.long-" + tokens.incrementAndGet() + "\",\"expires_in\":1e308,\"token_type\":\"Bearer\"}";
        case 2 -> "{\"access_token\":\"ya29.neg\",\"expires_in\":-5}";
        default -> "{\"access_token\":\"ya29.nul\\u0000\",\"expires_in\":\"soon\"}";
      };
      respond(out, 200, Map.of("Content-Type", "application/json"), token.getBytes(StandardCharsets.UTF_8), false);
      return true;
    }
    StringBuilder headers = new StringBuilder();
    headers.append("HTTP/1.1 ").append(status).append(" Whatever\r\n");
    if (retryAfter >= 0) {
      headers.append("Retry-After: ").append(RETRY_AFTER[retryAfter]).append("\r\n");
    }
    if (location == 0) {
      headers.append("Location: https://push.example/m/\u0000\u00ff").append("\r\n");
    } else if (location == 1) {
      headers.append("Location: ").append("x".repeat(300 * 1024)).append("\r\n");
    } else if (location < 4) {
      headers.append("Location: ").append(baseUrl()).append("/elsewhere/").append(messages.incrementAndGet()).append("\r\n");
    }
    byte[] content = body(body, kind);
    boolean endless = body == 11;
    count(kind + " status " + status);
    if (retryAfter >= 0) {
      count("Retry-After " + RETRY_AFTER[retryAfter].trim().replace("\u0000", "NUL"));
    }
    if (location < 2) {
      count(location == 0 ? "Location with NUL" : "Location of 300 KB");
    }
    if (!bodyName(body).isEmpty()) {
      count("body:" + bodyName(body));
    }
    if (endless) {
      headers.append("Transfer-Encoding: chunked\r\n\r\n");
      out.write(headers.toString().getBytes(StandardCharsets.ISO_8859_1));
      // Never ends: a byte every 50 ms until the client gives up (its call timeout).
      while (!closed) {
        out.write("1\r\n\u0000\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        sleep(50);
      }
      return false;
    }
    boolean resetMidBody = random.nextInt(8) == 0;
    headers.append("Content-Length: ").append(content.length).append("\r\n");
    headers.append(resetMidBody || random.nextBoolean() ? "Connection: close\r\n" : "").append("\r\n");
    out.write(headers.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (resetMidBody && content.length > 1) {
      count(kind + " reset in the body");
      out.write(content, 0, content.length / 2);
      out.flush();
      reset(s);
      return false;
    }
    out.write(content);
    out.flush();
    return !headers.toString().contains("Connection: close");
  }

  private static String bodyName(int body) {
    return switch (body) {
      case 3 -> " NUL body";
      case 4 -> " invalid UTF-8";
      case 5 -> " 3 MB body";
      case 6 -> " deep JSON";
      case 7, 8 -> " FCM error body";
      case 11 -> " endless body";
      default -> "";
    };
  }

  private byte[] body(int body, String kind) {
    return switch (body) {
      case 3 -> "error\u0000\u0000 with NUL".getBytes(StandardCharsets.ISO_8859_1);
      case 4 -> new byte[] {'x', (byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28, (byte) 0xed, (byte) 0xa0, (byte) 0x80};
      case 5 -> ("{\"error\":\"" + "A".repeat(3 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.US_ASCII);
      case 6 -> ("[".repeat(20_000) + "]".repeat(20_000)).getBytes(StandardCharsets.US_ASCII);
      case 7 -> ("{\"error\":{\"code\":400,\"status\":\"INVALID_ARGUMENT\",\"message\":\"m\\u0000\",\"details\":[{\"@type\":"
          + "\"type.googleapis.com/google.firebase.fcm.v1.FcmError\",\"errorCode\":\"UNREGIS\\u0000TERED\"}]}}")
          .getBytes(StandardCharsets.UTF_8);
      case 8 -> ("{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\",\"details\":[{\"@type\":"
          + "\"type.googleapis.com/google.firebase.fcm.v1.FcmError\",\"errorCode\":\"NEW_CODE_" + body + "\"}]}}")
          .getBytes(StandardCharsets.UTF_8);
      case 9 -> kind.equals("token") ? "{\"error\":\"invalid_grant\\r\\nFAKE LOG LINE\",\"error_description\":\"x\"}"
          .getBytes(StandardCharsets.UTF_8) : new byte[0];
      default -> "whatever".getBytes(StandardCharsets.US_ASCII);
    };
  }

  private void ok(OutputStream out, String kind, boolean keepAlive) throws IOException {
    String json = switch (kind) {
      case "token" -> "{\"access_token\":\"ya29.hostile-" + tokens.incrementAndGet() + "\",\"expires_in\":3599,"
          + "\"token_type\":\"Bearer\"}";
      case "fcm" -> "{\"name\":\"projects/p/messages/" + messages.incrementAndGet() + "\"}";
      default -> "";
    };
    int code = kind.equals("webpush") ? 201 : 200;
    Map<String, String> h = kind.equals("webpush")
        ? Map.of("Location", baseUrl() + "/m/" + messages.incrementAndGet()) : Map.of("Content-Type", "application/json");
    respond(out, code, h, json.getBytes(StandardCharsets.UTF_8), !keepAlive);
  }

  private static void respond(OutputStream out, int code, Map<String, String> headers, byte[] body, boolean close)
      throws IOException {
    StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(code).append(" OK\r\n");
    headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    sb.append("Content-Length: ").append(body.length).append("\r\n");
    if (close) {
      sb.append("Connection: close\r\n");
    }
    sb.append("\r\n");
    out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
      s.close();
    } catch (SocketException ignored) {
      // already gone
    } catch (IOException ignored) {
      // already gone
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // nothing to do
    }
    for (Socket s : open) {
      reset(s);
    }
  }
}
