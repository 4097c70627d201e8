package dev.herald.spring.boot.autoconfigure;

import dev.herald.outbox.jdbc.JdbcHerald;

/**
 * Adjusts the {@link JdbcHerald.Builder} the auto-configuration builds Herald with, after the
 * {@code herald.*} properties, the transports, the guard, the listeners and the retry policy were
 * applied: for settings that have no property (a clock, say). Define it as a bean; several run in
 * {@code @Order}.
 */
@FunctionalInterface
public interface JdbcHeraldBuilderCustomizer {
  /** Adjusts the builder. */
  void customize(JdbcHerald.Builder builder);
}
