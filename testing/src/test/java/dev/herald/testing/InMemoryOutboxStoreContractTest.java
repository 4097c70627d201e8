package dev.herald.testing;

/** The store contract on the in-memory store, its clock moved past the lease to end leases. */
class InMemoryOutboxStoreContractTest extends OutboxStoreContract {
  @Override
  protected Subject newSubject() {
    MutableClock clock = MutableClock.at("2026-12-01T08:00:00Z");
    InMemoryOutboxStore store = new InMemoryOutboxStore(clock);
    return Subject.of(store, () -> clock.advance(LEASE.plusSeconds(1)), () -> {});
  }

  @Override
  protected Subject newScopedSubject(dev.herald.spi.InputValidator scopes) {
    MutableClock clock = MutableClock.at("2026-12-01T08:00:00Z");
    InMemoryOutboxStore store = new InMemoryOutboxStore(clock).scopes(scopes);
    return Subject.of(store, () -> clock.advance(LEASE.plusSeconds(1)), () -> {});
  }
}
