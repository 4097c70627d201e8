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
    return Texts.storable(value.substring(0, keep), 64) + "…(" + value.length() + " chars)";
  }

  /**
   * An endpoint URL reduced to scheme, host and port, then everything after them (path, query,
   * fragment: the subscriber's secret) shortened. User info is never shown. The host ends at the
   * first {@code /}, {@code ?}, {@code #} or backslash, so a URL without a path still has its
   * query hidden, and one separated by backslashes is not echoed whole.
   */
  public static String url(String url) {
    if (url == null) {
      return "null";
    }
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return secret(url);
    }
    int authorityStart = scheme + 3;
    int end = url.length();
    for (int i = authorityStart; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c == '/' || c == '?' || c == '#' || c == '\\') {
        end = i;
        break;
      }
    }
    String authority = url.substring(authorityStart, end);
    int at = authority.lastIndexOf('@');
    String host = at < 0 ? authority : "…@" + authority.substring(at + 1);
    String shown = Texts.storable(url.substring(0, authorityStart) + host, 300);
    String rest = url.substring(end);
    if (rest.isEmpty()) {
      return shown;
    }
    return shown + rest.charAt(0) + secret(rest.substring(1));
  }

  /**
   * A URL that is not itself a secret (a token endpoint, an API base URL) without what could be
   * one: its user info, query and fragment.
   */
  public static String withoutCredentials(String url) {
    if (url == null) {
      return "null";
    }
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return secret(url);
    }
    int authorityStart = scheme + 3;
    int authorityEnd = url.length();
    for (int i = authorityStart; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c == '/' || c == '?' || c == '#' || c == '\\') {
        authorityEnd = i;
        break;
      }
    }
    int at = url.lastIndexOf('@', authorityEnd - 1);
    String host = at < authorityStart ? url.substring(authorityStart, authorityEnd) : "…@" + url.substring(at + 1, authorityEnd);
    int pathEnd = url.length();
    for (int i = authorityEnd; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c == '?' || c == '#') {
        pathEnd = i;
        break;
      }
    }
    return Texts.storable(url.substring(0, authorityStart) + host + url.substring(authorityEnd, pathEnd)
        + (pathEnd < url.length() ? url.charAt(pathEnd) + "…" : ""), 300);
  }

  /**
   * Quotes a value that is not secret but may be long or hold control characters: those, format
   * characters (bidi overrides) and unpaired surrogates are escaped, so a log line shows what was
   * there rather than being rearranged or split by it.
   */
  public static String quote(String value, int max) {
    if (value == null) {
      return "null";
    }
    String head = value.length() > max ? value.substring(0, max) : value;
    StringBuilder sb = new StringBuilder("\"");
    sb.append(Texts.storable(head, Math.max(1, head.length() * 6)));
    sb.append('"');
    if (value.length() > max) {
      sb.append("…(").append(value.length()).append(" chars)");
    }
    return sb.toString();
  }
}
