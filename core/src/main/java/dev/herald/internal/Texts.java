package dev.herald.internal;

/**
 * Text that came from outside (a push service's header or body, a guard's reason) made safe to
 * record and to log: databases refuse some characters outright (PostgreSQL refuses NUL in text),
 * turn others into {@code ?} silently (an unpaired UTF-16 surrogate has no UTF-8 form), and a
 * column has a width. Also the checks that refuse such characters in identifiers at validation.
 */
public final class Texts {
  private Texts() {}

  /**
   * {@code s} with every ISO control character (NUL, CR, LF, ...) written as {@code \}{@code uXXXX}, every
   * Unicode format character (U+202E and the other bidi overrides, zero-width characters) likewise,
   * every unpaired surrogate replaced by U+FFFD, and cut to at most {@code max} characters (the
   * last one then an ellipsis) without splitting a surrogate pair. Null stays null.
   */
  public static String storable(String s, int max) {
    if (s == null) {
      return null;
    }
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1: " + max);
    }
    if (s.length() <= max && clean(s)) {
      return s;
    }
    StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        sb.append('\uFFFD');
      } else if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
      if (sb.length() > max) {
        break;
      }
    }
    return clip(sb.toString(), max);
  }

  /** True when {@code s} has no unpaired UTF-16 surrogate, so that UTF-8 (and so the database) can hold it as it is. */
  public static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * True when {@code s} has a Unicode format character (category Cf: U+202E right-to-left
   * override and the other bidi controls, zero-width spaces and joiners, the byte order mark),
   * which makes two different identifiers look alike in a log or a console.
   */
  public static boolean hasFormatCharacter(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.getType(s.charAt(i)) == Character.FORMAT) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code s} cut to at most {@code max} characters, the last one then an ellipsis, never between
   * the two halves of a surrogate pair. Null stays null.
   */
  public static String clip(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    int end = max - 1;
    if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end) + "…";
  }

  private static boolean clean(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
        return false;
      }
    }
    return wellFormed(s);
  }
}
