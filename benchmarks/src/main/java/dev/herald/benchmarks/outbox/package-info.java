/**
 * Load drivers for the JDBC outbox: end-to-end deliveries per second with a no-op transport,
 * enqueues per second, due-to-send latency with and without NOTIFY, and heap while draining a
 * large backlog. Plain mains; see docs/benchmarks.md for the commands and figures.
 */
package dev.herald.benchmarks.outbox;
