/**
 * Implementation of the JDBC outbox: SQL, payload encoding, migrations, the LISTEN/NOTIFY loop.
 * Not API: anything here may change in any release without notice.
 */
package dev.herald.outbox.jdbc.internal;
