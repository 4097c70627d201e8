package dev.herald.internal;

/**
 * Shortens secrets and device identities for messages, logs and {@code toString()}: enough to tell
 * two apart, never enough to use one.
 */
public final class Redact {
  private Redact() {}

  /** {@code "dGhpc2…(152 chars)"}: the first six characters and the length. */
  public static String secret(String value) {
    if (value == null) {
      return "null";
    }
    int keep = Math.min(6, value.length() / 4);
    return value.substring(0, keep) + "…(" + value.length() + " chars)";
  }

  /** An endpoint URL reduced to scheme, host and a shortened path, which is the subscriber's secret. */
  public static String url(String url) {
    if (url == null) {
      return "null";
    }
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return secret(url);
    }
    int pathStart = url.indexOf('/', scheme + 3);
    if (pathStart < 0) {
      return url;
    }
    return url.substring(0, pathStart) + "/" + secret(url.substring(pathStart + 1));
  }

  /** Quotes a value that is not secret but may be long or hold control characters. */
  public static String quote(String value, int max) {
    if (value == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("\"");
    int n = Math.min(value.length(), max);
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
    if (value.length() > max) {
      sb.append("…(").append(value.length()).append(" chars)");
    }
    return sb.toString();
  }
}
