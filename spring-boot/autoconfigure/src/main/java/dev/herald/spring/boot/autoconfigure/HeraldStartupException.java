package dev.herald.spring.boot.autoconfigure;

import dev.herald.HeraldException;
import java.util.List;
import java.util.Objects;

/**
 * Herald could not be configured or started in a Spring Boot application: a property Herald's
 * builders refused, a credential that cannot be read, no transport, no DataSource, or a database
 * that cannot be reached at start-up. Spring Boot's failure analysis prints its
 * {@link #getMessage() description}, the {@link #properties() properties} involved and the
 * {@link #action() action} to take. Messages never contain a credential.
 */
public class HeraldStartupException extends HeraldException {
  private static final long serialVersionUID = 1L;

  private final transient List<String> properties;
  private final String action;

  /**
   * A start-up failure.
   *
   * @param description what went wrong
   * @param properties the configuration properties involved, possibly none
   * @param action what to do about it
   * @param cause the underlying failure, or null
   */
  public HeraldStartupException(String description, List<String> properties, String action, Throwable cause) {
    super(Objects.requireNonNull(description, "description"), cause);
    this.properties = List.copyOf(properties);
    this.action = Objects.requireNonNull(action, "action");
  }

  /** The configuration properties involved (for example {@code herald.engine.batch-size}); may be empty. */
  public List<String> properties() {
    return properties;
  }

  /** What to do about it. */
  public String action() {
    return action;
  }
}
