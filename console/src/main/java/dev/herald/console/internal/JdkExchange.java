package dev.herald.console.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An exchange of the JDK's built-in HTTP server. */
public final class JdkExchange implements Exchange {
  private final HttpExchange x;
  private final String mount;
  private final String path;

  /** Wraps an exchange of a context mounted anywhere. */
  public JdkExchange(HttpExchange x) {
    this.x = x;
    String ctx = x.getHttpContext().getPath();
    if (ctx.endsWith("/")) {
      ctx = ctx.substring(0, ctx.length() - 1);
    }
    this.mount = ctx;
    String raw = x.getRequestURI().getRawPath();
    // The server matches contexts by string prefix: "/heraldx" reaches the "/herald" context too.
    this.path = raw.startsWith(ctx) ? raw.substring(ctx.length()) : null;
  }

  @Override
  public String method() {
    return x.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
  }

  @Override
  public String path() {
    return path == null || (!path.isEmpty() && !path.startsWith("/")) ? "/\u0000not-found" : path;
  }

  @Override
  public String mountPath() {
    return mount;
  }

  @Override
  public String rawQuery() {
    return x.getRequestURI().getRawQuery();
  }

  @Override
  public Optional<String> header(String name) {
    return Optional.ofNullable(x.getRequestHeaders().getFirst(name));
  }

  @Override
  public InetAddress remoteAddress() {
    return x.getRemoteAddress().getAddress();
  }

  @Override
  public InetAddress localAddress() {
    return x.getLocalAddress().getAddress();
  }

  @Override
  public boolean secure() {
    return x instanceof HttpsExchange;
  }

  @Override
  public byte[] body(int max) throws IOException {
    try (InputStream in = x.getRequestBody()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        if (out.size() > max) {
          return null;
        }
      }
      return out.toByteArray();
    }
  }

  @Override
  public void respond(int status, List<Map.Entry<String, String>> headers, byte[] body) throws IOException {
    try {
      for (Map.Entry<String, String> h : headers) {
        x.getResponseHeaders().add(h.getKey(), h.getValue());
      }
      boolean head = "HEAD".equals(method());
      x.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
      if (!head && body.length > 0) {
        try (OutputStream out = x.getResponseBody()) {
          out.write(body);
        }
      }
    } finally {
      x.close();
    }
  }

  @Override
  public <T> Optional<T> unwrap(Class<T> type) {
    return type.isInstance(x) ? Optional.of(type.cast(x)) : Optional.empty();
  }
}
