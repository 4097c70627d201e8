package dev.herald.spring.boot.autoconfigure;

import dev.herald.outbox.jdbc.OutboxSchemaException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * Explains why Herald stopped the application from starting: a {@link HeraldStartupException} (a
 * refused property, named; an unreadable credential; no transport or DataSource; an unreachable
 * database) or an {@link OutboxSchemaException} (the schema is missing or of another version and
 * was not migrated).
 */
class HeraldFailureAnalyzer implements FailureAnalyzer {

  @Override
  public FailureAnalysis analyze(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof HeraldStartupException e) {
        return new FailureAnalysis(describe(e), e.action(), e);
      }
      if (t instanceof OutboxSchemaException e) {
        return new FailureAnalysis("Herald's outbox schema is not usable: " + e.getMessage()
            + (e.expected() > 0 ? " (found version " + e.found() + ", this Herald needs " + e.expected() + ")" : ""),
            e.found() > e.expected()
                ? "A newer Herald migrated this database: run that version, or restore a schema of version " + e.expected() + "."
                : "Set herald.outbox.migrate-on-start=true (the default) to create or upgrade it at start-up, or run "
                    + "JdbcHerald.migrate() from your deployment before starting the application.", e);
      }
    }
    return null;
  }

  private static String describe(HeraldStartupException e) {
    StringBuilder s = new StringBuilder(e.getMessage());
    if (!e.properties().isEmpty() && !e.properties().stream().allMatch(e.getMessage()::contains)) {
      s.append(System.lineSeparator()).append(System.lineSeparator()).append("Property: ")
          .append(String.join(", ", e.properties()));
    }
    return s.toString();
  }
}
