package dev.herald.outbox.jdbc;

import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.testing.OutboxStoreContract;

/** The store contract on H2, each subject on tables of its own. */
class H2OutboxStoreContractTest extends OutboxStoreContract {
  @Override
  protected Subject newSubject() {
    return subject(new Fixture(Db.H2));
  }

  @Override
  protected Subject newScopedSubject(dev.herald.spi.InputValidator scopes) {
    return subject(new Fixture(Db.H2, b -> b.validator(scopes)));
  }

  /** A subject on a fixture's outbox: leases end through the operator API, in place. */
  static Subject subject(Fixture fx) {
    return Subject.of(fx.outbox, () -> OWNERS.forEach(o -> fx.outbox.admin().expireLeases(o)), fx::close);
  }
}
