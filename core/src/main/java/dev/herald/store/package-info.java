/**
 * The engine–store protocol: {@link dev.herald.store.OutboxStore} and the records the engine and a
 * store exchange ({@link dev.herald.store.ClaimRequest}, {@link dev.herald.store.ClaimBatch},
 * {@link dev.herald.store.ClaimedDelivery}, {@link dev.herald.store.Completion},
 * {@link dev.herald.store.Resolution}). A {@code Resolution} carries the one meaning every store
 * persists; herald-testing's {@code OutboxStoreContract} is the suite a store passes. Hosts that use
 * {@code JdbcHerald} never touch this package.
 */
package dev.herald.store;
