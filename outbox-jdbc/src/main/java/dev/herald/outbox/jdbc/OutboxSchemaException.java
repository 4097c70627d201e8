package dev.herald.outbox.jdbc;

/**
 * The outbox tables are missing or at a schema version this Herald does not work with. The message
 * says what to do: usually call {@link JdbcOutbox#migrate()} once at start-up.
 */
public final class OutboxSchemaException extends OutboxException {
  private static final long serialVersionUID = 1L;

  private final int found;
  private final int expected;

  /**
   * Creates the exception.
   *
   * @param message what is wrong and what to do
   * @param found the schema version found, 0 when there is no schema
   * @param expected the version this Herald needs
   */
  public OutboxSchemaException(String message, int found, int expected) {
    super(message);
    this.found = found;
    this.expected = expected;
  }

  /** The schema version found in the database; 0 when there is none. */
  public int found() {
    return found;
  }

  /** The schema version this Herald needs. */
  public int expected() {
    return expected;
  }
}
