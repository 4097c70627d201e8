package dev.herald.internal;

import dev.herald.InvalidInputException;
import dev.herald.InvalidInputException.Problem;
import dev.herald.Validated;
import io.vavr.collection.List;
import java.util.function.Supplier;

/**
 * Collects field problems so that a value reports every invalid field at once rather than the
 * first one; nested values combine their problems through {@link Validated}. The problems are kept
 * in a persistent vavr list, so a collector is cheap to extend.
 */
public final class Checks {
  private final String prefix;
  private List<Problem> problems = List.empty();

  private Checks(String prefix) {
    this.prefix = prefix;
  }

  /** Starts a collector whose field names get {@code prefix} (may be empty). */
  public static Checks of(String prefix) {
    return new Checks(prefix == null || prefix.isEmpty() ? "" : prefix + ".");
  }

  /** Records a problem when {@code ok} is false; returns {@code ok}. */
  public boolean check(boolean ok, String field, String message) {
    if (!ok) {
      add(field, message);
    }
    return ok;
  }

  /** Records a problem when {@code value} is null; returns whether it was present. */
  public boolean required(Object value, String field) {
    return check(value != null, field, "is required");
  }

  /** Records a problem unconditionally. */
  public void add(String field, String message) {
    problems = problems.append(new Problem(prefix + field, message));
  }

  /** Adds the problems of a nested validation, keeping their own paths. */
  public <T> T merge(Validated<T> nested) {
    if (nested instanceof Validated.Valid<T> v) {
      return v.value();
    }
    problems = problems.appendAll(nested.problems());
    return null;
  }

  /** True when no problem was recorded. */
  public boolean ok() {
    return problems.isEmpty();
  }

  /** The result: the value built by {@code build} if every check passed, else the problems. */
  public <T> Validated<T> result(Supplier<T> build) {
    return problems.isEmpty() ? Validated.valid(build.get()) : Validated.invalid(problems.toJavaList());
  }

  /** The problems recorded so far. */
  public java.util.List<Problem> problems() {
    return problems.toJavaList();
  }

  /** Throws {@link InvalidInputException} if a problem was recorded. */
  public void throwIfInvalid(String subject) {
    if (!problems.isEmpty()) {
      throw new InvalidInputException(subject, problems.toJavaList());
    }
  }

  /** Unwraps a validation or throws the exception listing every problem. */
  public static <T> T orThrow(Validated<T> v, String subject) {
    return v.orElseThrow(subject);
  }

  /** True when {@code s} has no ISO control character. */
  public static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * True when {@code s} can serve as an identifier (an idempotency key, a recipient id): no control
   * character, no unpaired surrogate (which UTF-8, and so the database, would turn into {@code ?},
   * making two identifiers one), and no format character such as U+202E (which makes two
   * identifiers look alike in a log).
   */
  public static boolean identifier(String s) {
    return printable(s) && Texts.wellFormed(s) && !Texts.hasFormatCharacter(s);
  }

  /** True when every character is in the URL-safe base64 alphabet (no padding). */
  public static boolean base64Url(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
