/**
 * Implementation of Kafka ingestion: the poll loop, batches, failure classification, dead letters,
 * and the one seam to the outbox. Not API: anything here may change in any release without notice.
 */
package dev.herald.kafka.internal;
