package dev.herald.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Notification;
import dev.herald.Recipient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The identity of an event, whatever the producer sends: the same record always yields the same
 * identity (so a redelivery is a no-op), never one Herald would refuse as a key, and different
 * values under one key yield different identities.
 */
class EventIdentityProperties {

  private static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value, String eventId, long offset) {
    ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>("t", 0, offset, key, value);
    if (eventId != null) {
      r.headers().add(EventIdentity.DEFAULT_HEADER, eventId.getBytes(StandardCharsets.UTF_8));
    }
    return r;
  }

  private static String id(ConsumerRecord<byte[], byte[]> r) {
    return dev.herald.kafka.internal.Identities.normalize(EventIdentity.standard().of(r).orElseThrow());
  }

  @Property
  void theSameEventAtAnotherOffsetHasTheSameUsableIdentity(@ForAll @Size(max = 300) byte[] key,
      @ForAll @Size(max = 2000) byte[] value, @ForAll @StringLength(max = 400) String header, @ForAll long a,
      @ForAll long b) {
    String eventId = header.isEmpty() ? null : header;
    String first = id(record(key, value, eventId, a));
    String second = id(record(key, value, eventId, b));

    assertThat(first).isEqualTo(second);
    Event<String, String> e = new Event<>("t", 0, a, Instant.EPOCH, null, null, List.of(), first);
    String key255 = e.idempotencyKey("p".repeat(Event.MAX_PURPOSE_LENGTH));
    assertThat(Notification.builder(key255).recipient(Recipient.id("m")).title("t").build().idempotencyKey())
        .isEqualTo(key255);
  }

  @Property
  void withoutTheHeaderDifferentValuesAreDifferentEvents(@ForAll @Size(max = 50) byte[] key,
      @ForAll @Size(max = 500) byte[] v1, @ForAll @Size(max = 500) byte[] v2) {
    String id1 = id(record(key, v1, null, 1));
    String id2 = id(record(key, v2, null, 1));
    assertThat(id1.equals(id2)).isEqualTo(java.util.Arrays.equals(v1, v2));
  }
}
