package dev.herald.internal;

import dev.herald.InvalidInputException;
import dev.herald.InvalidInputException.Problem;
import io.vavr.collection.List;
import io.vavr.collection.Seq;
import io.vavr.control.Validation;
import java.util.function.Supplier;

/**
 * Collects field problems so that a value reports every invalid field at once rather than the
 * first one. Built on vavr's {@link Validation} so that nested values combine their problems.
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
  public <T> T merge(Validation<Seq<Problem>, T> nested) {
    if (nested.isInvalid()) {
      problems = problems.appendAll(nested.getError());
      return null;
    }
    return nested.get();
  }

  /** True when no problem was recorded. */
  public boolean ok() {
    return problems.isEmpty();
  }

  /** The result: the value built by {@code build} if every check passed, else the problems. */
  public <T> Validation<Seq<Problem>, T> result(Supplier<T> build) {
    return problems.isEmpty() ? Validation.valid(build.get()) : Validation.invalid(problems);
  }

  /** Throws {@link InvalidInputException} if a problem was recorded. */
  public void throwIfInvalid(String subject) {
    if (!problems.isEmpty()) {
      throw new InvalidInputException(subject, problems.toJavaList());
    }
  }

  /** Unwraps a validation or throws the exception listing every problem. */
  public static <T> T orThrow(Validation<Seq<Problem>, T> v, String subject) {
    if (v.isInvalid()) {
      throw new InvalidInputException(subject, v.getError().toJavaList());
    }
    return v.get();
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
