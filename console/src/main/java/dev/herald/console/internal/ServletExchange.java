package dev.herald.console.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An exchange of a Jakarta Servlet container. */
public final class ServletExchange implements Exchange {
  private final HttpServletRequest req;
  private final HttpServletResponse resp;
  private final String mount;
  private final String path;

  /** Wraps a request to a servlet mapped under a path ({@code /herald/*}). */
  public ServletExchange(HttpServletRequest req, HttpServletResponse resp) {
    this.req = req;
    this.resp = resp;
    String uri = req.getRequestURI();
    String base = req.getContextPath() + req.getServletPath();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    this.mount = base;
    // The raw path below the mount, from the request URI (getPathInfo is decoded).
    this.path = uri.startsWith(base) ? uri.substring(base.length()) : "/\u0000not-found";
  }

  @Override
  public String method() {
    return req.getMethod().toUpperCase(java.util.Locale.ROOT);
  }

  @Override
  public String path() {
    int semi = path.indexOf(';'); // a path parameter (;jsessionid=...) is not part of any route
    return semi >= 0 ? path.substring(0, semi) : path;
  }

  @Override
  public String mountPath() {
    return mount;
  }

  @Override
  public String rawQuery() {
    return req.getQueryString();
  }

  @Override
  public Optional<String> header(String name) {
    return Optional.ofNullable(req.getHeader(name));
  }

  @Override
  public InetAddress remoteAddress() {
    return address(req.getRemoteAddr());
  }

  @Override
  public InetAddress localAddress() {
    return address(req.getLocalAddr());
  }

  private static InetAddress address(String literal) {
    try {
      // A literal IP address: no name lookup happens.
      return literal == null ? null : InetAddress.getByName(literal.startsWith("[") ? literal.substring(1, literal.length() - 1) : literal);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  @Override
  public boolean secure() {
    return req.isSecure();
  }

  @Override
  public byte[] body(int max) throws IOException {
    if (req.getContentLengthLong() > max) {
      return null;
    }
    try (InputStream in = req.getInputStream()) {
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
    resp.setStatus(status);
    for (Map.Entry<String, String> h : headers) {
      resp.addHeader(h.getKey(), h.getValue());
    }
    if (!"HEAD".equals(method()) && body.length > 0) {
      resp.setContentLength(body.length);
      try (OutputStream out = resp.getOutputStream()) {
        out.write(body);
      }
    }
  }

  @Override
  public <T> Optional<T> unwrap(Class<T> type) {
    return type.isInstance(req) ? Optional.of(type.cast(req)) : Optional.empty();
  }
}
