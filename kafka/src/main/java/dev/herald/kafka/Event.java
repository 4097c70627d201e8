package dev.herald.kafka;

import dev.herald.Notification;
import dev.herald.kafka.internal.Identities;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.header.Header;

/**
 * One Kafka record as the {@link EventMapper} sees it: where it came from, its deserialized key and
 * value, its headers, and its stable identity {@link #id()}, from which idempotency keys are made.
 *
 * @param topic the topic
 * @param partition the partition
 * @param offset the offset within the partition
 * @param timestamp the record's timestamp (producer or log-append time)
 * @param key the deserialized record key; null when the record has none
 * @param value the deserialized value; null for a tombstone
 * @param headers the record's headers in order (a name may repeat)
 * @param id the event's identity as derived by the configured {@link EventIdentity}: 1 to
 *     {@value EventIdentity#MAX_LENGTH} printable characters, the same for every delivery of the
 *     same event
 * @param <K> the key type
 * @param <V> the value type
 */
public record Event<K, V>(String topic, int partition, long offset, Instant timestamp, K key, V value,
    List<Header> headers, String id) {

  /** Longest {@code purpose} accepted by {@link #idempotencyKey(String)}. */
  public static final int MAX_PURPOSE_LENGTH = Notification.MAX_KEY_LENGTH - EventIdentity.MAX_LENGTH - 1;

  /** Validates and copies the headers. */
  public Event {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(timestamp, "timestamp");
    headers = List.copyOf(headers);
    Objects.requireNonNull(id, "id");
    if (!Identities.acceptable(id)) {
      throw new IllegalArgumentException("id must be 1-" + EventIdentity.MAX_LENGTH + " printable characters: length "
          + id.length());
    }
  }

  /** The value of the last header with this name, as UTF-8 text. */
  public Optional<String> header(String name) {
    Objects.requireNonNull(name, "name");
    for (int i = headers.size() - 1; i >= 0; i--) {
      Header h = headers.get(i);
      if (h.key().equals(name)) {
        return Optional.ofNullable(h.value()).map(v -> new String(v, StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }

  /**
   * The idempotency key of this event's notification for one purpose: {@code id() + "/" + purpose},
   * for example {@code "7f3e…/reminder"}. The same event always yields the same key, so a
   * redelivered record enqueues nothing new; give each notification of one event its own purpose.
   *
   * @param purpose 1 to {@link #MAX_PURPOSE_LENGTH} printable characters
   * @throws IllegalArgumentException when {@code purpose} is empty, too long or not printable
   */
  public String idempotencyKey(String purpose) {
    Objects.requireNonNull(purpose, "purpose");
    if (purpose.isEmpty() || purpose.length() > MAX_PURPOSE_LENGTH || !Identities.printable(purpose)) {
      throw new IllegalArgumentException("purpose must be 1-" + MAX_PURPOSE_LENGTH + " printable characters: length "
          + purpose.length());
    }
    return id + "/" + purpose;
  }

  /** A notification builder keyed by {@link #idempotencyKey(String) idempotencyKey(purpose)}. */
  public Notification.Builder notification(String purpose) {
    return Notification.builder(idempotencyKey(purpose));
  }

  @Override
  public String toString() {
    // The key and value are the host's data: coordinates and identity only.
    return "Event[" + topic + "-" + partition + "@" + offset + ", id=" + id + "]";
  }
}
