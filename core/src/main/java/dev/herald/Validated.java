package dev.herald;

import dev.herald.InvalidInputException.Problem;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The result of checking input without throwing: either the value, or every problem found (each
 * naming its field). What the {@code validate} methods of the model return, for callers that want to
 * report problems themselves (a form, an import) rather than catch {@link InvalidInputException}.
 *
 * <pre>{@code
 * Validated<Notification> v = Notification.builder(key).recipient(to).title(title).validate();
 * if (!v.isValid()) {
 *   v.problems().forEach(p -> form.error(p.field(), p.message()));
 * }
 * }</pre>
 *
 * @param <T> the type of the value
 */
public sealed interface Validated<T> {

  /** The value, when every check passed. */
  record Valid<T>(T value) implements Validated<T> {
    /** Validates. */
    public Valid {
      Objects.requireNonNull(value, "value");
    }
  }

  /** Every problem found; at least one. */
  record Invalid<T>(List<Problem> problems) implements Validated<T> {
    /** Validates and copies. */
    public Invalid {
      problems = List.copyOf(problems);
      if (problems.isEmpty()) {
        throw new IllegalArgumentException("problems must not be empty");
      }
    }
  }

  /** A valid result. */
  static <T> Validated<T> valid(T value) {
    return new Valid<>(value);
  }

  /** An invalid result with these problems (at least one). */
  static <T> Validated<T> invalid(List<Problem> problems) {
    return new Invalid<>(problems);
  }

  /** True when every check passed. */
  default boolean isValid() {
    return this instanceof Valid;
  }

  /** The problems; empty when valid. */
  default List<Problem> problems() {
    return this instanceof Invalid<T> i ? i.problems() : List.of();
  }

  /**
   * The value.
   *
   * @throws InvalidInputException listing every problem, with {@code subject} ("notification",
   *     say) as the thing that was invalid
   */
  default T orElseThrow(String subject) {
    if (this instanceof Valid<T> v) {
      return v.value();
    }
    throw new InvalidInputException(subject, problems());
  }

  /** The value transformed when valid; the same problems otherwise. */
  default <R> Validated<R> map(Function<? super T, ? extends R> f) {
    return this instanceof Valid<T> v ? valid(f.apply(v.value())) : invalid(problems());
  }
}
