package dev.herald;

import java.util.List;
import java.util.Objects;

/**
 * Thrown when a value (a notification, a device target, a configuration) is invalid. It lists
 * every invalid field at once, so a caller fixes all problems in one round.
 *
 * <p>Messages name the field and the constraint; secret values (tokens, keys, auth secrets) are
 * never quoted in full.
 */
public final class InvalidInputException extends HeraldException {
  private static final long serialVersionUID = 1L;

  /** One invalid field: its path (for example {@code content.title}) and what is wrong with it. */
  public record Problem(String field, String message) {
    /** Validates that both parts are present. */
    public Problem {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
      return field + " " + message;
    }
  }

  private final String subject;
  private final transient List<Problem> problems;

  /**
   * Creates the exception.
   *
   * @param subject what was being validated, for example {@code "notification"}
   * @param problems the invalid fields, at least one
   */
  public InvalidInputException(String subject, List<Problem> problems) {
    super(format(subject, problems));
    this.subject = subject;
    this.problems = List.copyOf(problems);
  }

  /** What was being validated, for example {@code "notification"} or {@code "web push subscription"}. */
  public String subject() {
    return subject;
  }

  /** Every invalid field, in the order they were checked. */
  public List<Problem> problems() {
    return problems;
  }

  /** The invalid field paths, in order. */
  public List<String> fields() {
    return problems.stream().map(Problem::field).toList();
  }

  private static String format(String subject, List<Problem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("an InvalidInputException needs at least one problem");
    }
    StringBuilder sb = new StringBuilder("invalid ").append(subject).append(": ");
    for (int i = 0; i < problems.size(); i++) {
      if (i > 0) {
        sb.append("; ");
      }
      sb.append(problems.get(i));
    }
    return sb.toString();
  }
}
