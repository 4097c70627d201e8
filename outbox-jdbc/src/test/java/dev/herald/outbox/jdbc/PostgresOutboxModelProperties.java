package dev.herald.outbox.jdbc;

import dev.herald.outbox.jdbc.OutboxModelProperties.World;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.TestDatabase;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import net.jqwik.api.state.ActionChain;

/**
 * {@link OutboxModelProperties} against PostgreSQL. Without a server it fails on its first try with
 * the message saying how to provide one; with {@code herald.test.pg.optional=true} it is skipped.
 */
@AddLifecycleHook(PostgresOutboxModelProperties.SkipWhenOptional.class)
class PostgresOutboxModelProperties {
  final OutboxModelProperties model = new OutboxModelProperties();

  /** Skips the container when PostgreSQL is absent and allowed to be. */
  static final class SkipWhenOptional implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
      boolean absent = System.getProperty(TestDatabase.PG_URL, "").isBlank();
      return absent && Boolean.getBoolean(TestDatabase.PG_OPTIONAL)
          ? SkipResult.skip("no PostgreSQL (" + TestDatabase.PG_URL + " empty) and " + TestDatabase.PG_OPTIONAL + "=true")
          : SkipResult.doNotSkip();
    }
  }

  @AfterTry
  void closeFixtures() {
    model.closeFixtures();
  }

  @Property(tries = 10)
  void storeMatchesTheModelOnPostgresql(@ForAll("postgresql") ActionChain<World> chain) {
    chain.withInvariant("store matches model", World::check).run();
  }

  @Provide
  Arbitrary<ActionChain<World>> postgresql() {
    return model.chains(Db.POSTGRESQL);
  }
}
