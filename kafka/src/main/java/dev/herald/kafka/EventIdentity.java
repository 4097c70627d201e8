package dev.herald.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import dev.herald.kafka.internal.Identities;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * How the stable identity of an event is derived from its Kafka record: the root of every
 * idempotency key the mapper makes with {@link Event#idempotencyKey(String)}, and so what makes a
 * redelivered record a no-op.
 *
 * <p>Never the offset: a record's offset identifies a copy of the event in one partition, not the
 * event, and a producer that retried a send without idempotence, or an event published again by
 * the producer's own outbox after a crash, lands at another offset with the same meaning.
 *
 * <p>The default, {@link #standard()}, takes the {@value #DEFAULT_HEADER} header when the record
 * has one (the producer's event id: the best identity, unique per event by construction), else
 * {@link #keyAndValueHash()}. Limits of the fallback: two distinct events with the same record key
 * and byte-identical values are taken as one (put an event id or a timestamp in the value, or
 * send the header), and the same event re-published with different bytes (another serializer
 * version, a changed field order) is taken as two.
 *
 * <p>Whatever the strategy yields is used as is when it is 1 to {@value #MAX_LENGTH} printable
 * characters, else replaced by {@code "sha256:" + base64url(SHA-256(text))}, so keys stay within
 * Herald's limit. Implementations must be deterministic and thread-safe.
 */
@FunctionalInterface
public interface EventIdentity {

  /** The header {@link #standard()} reads first. */
  String DEFAULT_HEADER = "event-id";

  /** Longest identity used as is; longer ones are hashed. */
  int MAX_LENGTH = 200;

  /**
   * The identity of the event in this record, or empty when this strategy cannot tell (then the
   * next strategy of an {@link #orElse} chain is asked, and when none can, the record is a poison
   * record).
   *
   * @param record the record as received, key and value not yet deserialized
   */
  Optional<String> of(ConsumerRecord<byte[], byte[]> record);

  /** This strategy, and {@code other} for records where this one yields nothing. */
  default EventIdentity orElse(EventIdentity other) {
    Objects.requireNonNull(other, "other");
    return record -> {
      Optional<String> id = of(record);
      return id.isPresent() ? id : other.of(record);
    };
  }

  /** The {@value #DEFAULT_HEADER} header, else {@link #keyAndValueHash()}: the default. */
  static EventIdentity standard() {
    return header(DEFAULT_HEADER).orElse(keyAndValueHash());
  }

  /**
   * The last header with this name, as UTF-8 text; empty when the record has no such header or it
   * is empty.
   */
  static EventIdentity header(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("name must not be empty");
    }
    return record -> {
      Header h = record.headers().lastHeader(name);
      if (h == null || h.value() == null || h.value().length == 0) {
        return Optional.empty();
      }
      return Optional.of(new String(h.value(), StandardCharsets.UTF_8));
    };
  }

  /**
   * CloudEvents' Kafka binding (binary mode): {@code ce_source} and {@code ce_id}, which the
   * specification makes unique per event together; empty when {@code ce_id} is missing.
   */
  static EventIdentity cloudEvents() {
    EventIdentity id = header("ce_id");
    EventIdentity source = header("ce_source");
    return record -> id.of(record).map(i -> source.of(record).map(s -> s + "#" + i).orElse(i));
  }

  /**
   * The record key (as text when it is short printable UTF-8, else its hash) and a SHA-256 of the
   * value: {@code "kv:" + key + ":" + hash}. Always yields an identity; see the class comment for
   * its limits.
   */
  static EventIdentity keyAndValueHash() {
    return record -> {
      byte[] k = record.key();
      String key;
      if (k == null) {
        key = "-";
      } else {
        String text = new String(k, StandardCharsets.UTF_8);
        boolean usable = text.length() <= 100 && Identities.printable(text) && !text.contains(":")
            && java.util.Arrays.equals(text.getBytes(StandardCharsets.UTF_8), k);
        key = usable && !text.isEmpty() ? text : "h" + Identities.sha256(k).substring(0, 22);
      }
      byte[] v = record.value();
      String value = v == null ? "tombstone" : Identities.sha256(v).substring(0, 32);
      return Optional.of("kv:" + key + ":" + value);
    };
  }
}
