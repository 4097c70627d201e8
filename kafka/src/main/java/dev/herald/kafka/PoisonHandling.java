package dev.herald.kafka;

import java.util.Objects;

/**
 * What happens to a poison record: one that cannot be turned into applied actions because its key
 * or value does not deserialize, no {@link EventIdentity} can name it, the {@link EventMapper}
 * throws or returns null, or the outbox refuses one of its actions as invalid (an
 * {@code InvalidInputException}, a data error of the database for that record alone). A poison
 * record is never skipped silently: it is either published to a dead-letter topic or retried.
 *
 * <p>A database outage is not a poison record: the whole batch waits, with consumption paused, and
 * is applied once the database answers again, whatever is configured here.
 */
public sealed interface PoisonHandling {

  /** Header of a dead letter: why the record could not be handled (text, at most 1,000 characters). */
  String REASON_HEADER = "herald.dlt.reason";
  /** Header of a dead letter: the class of the exception that made it poison, when there was one. */
  String EXCEPTION_HEADER = "herald.dlt.exception";
  /** Header of a dead letter: the topic it was consumed from. */
  String TOPIC_HEADER = "herald.dlt.topic";
  /** Header of a dead letter: its partition there (decimal text). */
  String PARTITION_HEADER = "herald.dlt.partition";
  /** Header of a dead letter: its offset there (decimal text); with topic and partition, the record's identity. */
  String OFFSET_HEADER = "herald.dlt.offset";
  /** Header of a dead letter: the consumer group that gave up on it. */
  String GROUP_HEADER = "herald.dlt.group";
  /** Header of a dead letter: how many times it was tried (decimal text). */
  String ATTEMPTS_HEADER = "herald.dlt.attempts";

  /**
   * Publish poison records to {@code topic} at the first failure: the original key, value and
   * headers, plus the {@code herald.dlt.*} headers naming the reason and the origin. The record's
   * offset is committed only after the broker acknowledged the dead letter (acks=all). A crash
   * between the two publishes the dead letter again: consumers of the dead-letter topic tell
   * repeats apart by the origin headers.
   *
   * @param topic an existing topic, writable by this application
   */
  static DeadLetter deadLetter(String topic) {
    return new DeadLetter(topic, 1);
  }

  /**
   * Retry a poison record until it succeeds: its partition stops at the record (records behind it
   * wait, keeping their order) and is paused for the retry backoff, then the record is read and
   * mapped again. For mappers that depend on something that may recover (a lookup, a deployment
   * with a fixed mapper); a record that never succeeds blocks its partition, and every failure is
   * logged.
   */
  static Retry retry() {
    return new Retry();
  }

  /**
   * Poison records go to a dead-letter topic after {@code attempts} failed tries (the earlier ones
   * retried as {@link #retry()} does).
   *
   * @param topic the dead-letter topic
   * @param attempts tries before publishing, at least 1
   */
  record DeadLetter(String topic, int attempts) implements PoisonHandling {
    /** Validates. */
    public DeadLetter {
      Objects.requireNonNull(topic, "topic");
      if (!validTopic(topic)) {
        throw new IllegalArgumentException("topic must be 1-249 of [a-zA-Z0-9._-]: " + topic);
      }
      if (attempts < 1) {
        throw new IllegalArgumentException("attempts must be >= 1: " + attempts);
      }
    }

    /** The same topic, after this many tries. */
    public DeadLetter afterAttempts(int attempts) {
      return new DeadLetter(topic, attempts);
    }
  }

  /** Retry until it succeeds; see {@link PoisonHandling#retry()}. */
  record Retry() implements PoisonHandling {}

  /** Kafka's rule for topic names. */
  static boolean validTopic(String topic) {
    if (topic.isEmpty() || topic.length() > 249 || topic.equals(".") || topic.equals("..")) {
      return false;
    }
    for (int i = 0; i < topic.length(); i++) {
      char c = topic.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }
}
