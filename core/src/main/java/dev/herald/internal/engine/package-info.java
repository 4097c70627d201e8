/**
 * The delivery engine behind {@code Herald}: the poll loop, channel gates, the decision and
 * completion threads, the safety valve and the waiter. Used only by core itself; not API, and not
 * used by any other Herald module.
 */
package dev.herald.internal.engine;
