package dev.herald.outbox.jdbc.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs every test of a subclass once per {@link Db}, each test with a fresh {@link Fixture} (its own
 * tables), closed after the subclass's own {@code @AfterEach} methods.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
public abstract class OnEachDatabase {
  @Parameter
  protected Db db;

  protected Fixture fx;

  @BeforeEach
  void openFixture() {
    fx = new Fixture(db);
  }

  @AfterEach
  void closeFixture() {
    fx.close();
  }
}
