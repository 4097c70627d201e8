package dev.herald.console.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * A small JSON writer. Strings escape everything that could end a script or markup context or
 * confuse a reader ({@code < > & '}, line and paragraph separators, control characters, bidi and
 * other format characters, lone surrogates), so a response stays inert wherever it ends up.
 */
public final class Json {
  private final StringBuilder sb = new StringBuilder(256);
  private boolean first = true;

  /** Starts an object. */
  public Json open() {
    comma();
    sb.append('{');
    first = true;
    return this;
  }

  /** Ends an object. */
  public Json close() {
    sb.append('}');
    first = false;
    return this;
  }

  /** Starts an array. */
  public Json openArray() {
    comma();
    sb.append('[');
    first = true;
    return this;
  }

  /** Ends an array. */
  public Json closeArray() {
    sb.append(']');
    first = false;
    return this;
  }

  /** A member name; the value follows. */
  public Json name(String name) {
    comma();
    string(sb, name);
    sb.append(':');
    first = true;
    return this;
  }

  /** A string value or null. */
  public Json value(String s) {
    comma();
    if (s == null) {
      sb.append("null");
    } else {
      string(sb, s);
    }
    return this;
  }

  /** A number. */
  public Json value(long n) {
    comma();
    sb.append(n);
    return this;
  }

  /** A boolean. */
  public Json value(boolean b) {
    comma();
    sb.append(b);
    return this;
  }

  /** An instant as ISO-8601 UTC, or null. */
  public Json value(Instant t) {
    return value(t == null ? null : t.toString());
  }

  /** A duration in milliseconds, or null. */
  public Json millis(Duration d) {
    comma();
    sb.append(d == null ? "null" : String.valueOf(d.toMillis()));
    return this;
  }

  /** Shorthand for {@code name(n).value(v)}. */
  public Json field(String n, String v) {
    return name(n).value(v);
  }

  /** Shorthand for {@code name(n).value(v)}. */
  public Json field(String n, long v) {
    return name(n).value(v);
  }

  /** Shorthand for {@code name(n).value(v)}. */
  public Json field(String n, boolean v) {
    return name(n).value(v);
  }

  /** Shorthand for {@code name(n).value(v)}. */
  public Json field(String n, Instant v) {
    return name(n).value(v);
  }

  private void comma() {
    if (!first) {
      sb.append(',');
    }
    first = false;
  }

  @Override
  public String toString() {
    return sb.toString();
  }

  /** Appends {@code s} as a JSON string literal. */
  public static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          boolean lone = Character.isHighSurrogate(c) ? i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
              : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
          if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '<' || c == '>' || c == '&' || c == '\''
              || c == '\u2028' || c == '\u2029' || lone || Character.getType(c) == Character.FORMAT) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
