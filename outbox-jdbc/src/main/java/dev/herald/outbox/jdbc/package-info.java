/**
 * The JDBC outbox: {@link dev.herald.outbox.jdbc.JdbcOutbox} stores notifications in the host's
 * database (PostgreSQL or H2), coordinates any number of engine instances through it, and keeps the
 * device registry next to the deliveries; {@link dev.herald.outbox.jdbc.OutboxAdmin} is the
 * operator's view.
 */
package dev.herald.outbox.jdbc;
