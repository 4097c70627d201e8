package dev.herald.outbox.jdbc.testing;

/** The databases every outbox test runs against. */
public enum Db {
  H2,
  POSTGRESQL;

  @Override
  public String toString() {
    return this == H2 ? "h2" : "postgresql";
  }
}
