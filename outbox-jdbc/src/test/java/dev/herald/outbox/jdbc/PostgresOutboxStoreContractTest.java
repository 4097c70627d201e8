package dev.herald.outbox.jdbc;

import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.testing.OutboxStoreContract;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * The store contract on PostgreSQL. Without a server it fails with the message saying how to
 * provide one; with {@code herald.test.pg.optional=true} it is skipped.
 */
@AddLifecycleHook(PostgresOutboxModelProperties.SkipWhenOptional.class)
class PostgresOutboxStoreContractTest extends OutboxStoreContract {
  @Override
  protected Subject newSubject() {
    return H2OutboxStoreContractTest.subject(new Fixture(Db.POSTGRESQL));
  }

  @Override
  protected Subject newScopedSubject(dev.herald.spi.InputValidator scopes) {
    return H2OutboxStoreContractTest.subject(new Fixture(Db.POSTGRESQL, b -> b.validator(scopes)));
  }
}
