/** The console's page timings against a million-row outbox on PostgreSQL. */
package dev.herald.benchmarks.console;
