package dev.herald.fcm.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.DeliveryOptions;
import dev.herald.InvalidInputException;
import dev.herald.Urgency;
import dev.herald.fcm.FcmTransport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

/**
 * FCM answers a message it finds too big with the same bare {@code INVALID_ARGUMENT} as an invalid
 * token, so the size Herald checks must be what it sends, and content it accepts must fit with any
 * options it may be sent with.
 */
class MessageSizePropertiesTest {
  private static final String TOKEN = "dXNlci10b2tlbi1mb3ItdGVzdHM:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx";

  @Property(tries = 300)
  void acceptedContentFitsWithAnyOptions(@ForAll("contents") Content content, @ForAll Urgency urgency,
      @ForAll @IntRange(min = 0, max = 28 * 24 * 3600) int ttlSeconds, @ForAll("collapseKeys") String collapseKey,
      @ForAll @StringLength(min = 1, max = 255) String idempotencyKey) {
    boolean accepted;
    try {
      FcmTransport.validateContent(content);
      accepted = true;
    } catch (InvalidInputException e) {
      accepted = false;
    }
    DeliveryOptions options = new DeliveryOptions(Duration.ofSeconds(ttlSeconds), urgency, collapseKey);
    MessageMapper.Encoded e = MessageMapper.encode(new MessageTarget("token", TOKEN, true), content, options,
        CollapseKeys.effective(idempotencyKey, options), CollapseKeys.fromIdempotencyKey(idempotencyKey), false,
        Instant.parse("2026-03-01T10:00:00Z"));
    String body = new String(e.body(), StandardCharsets.UTF_8);
    String prefix = "{\"message\":{\"token\":\"" + TOKEN + "\",";
    assertThat(body).startsWith(prefix).endsWith("}}");
    // What is counted is exactly the message as sent, without its target.
    // The message's own "{" stays and the root's closing "}" goes: one byte each way.
    int sentWithoutTarget = e.body().length - prefix.length();
    assertThat(e.countedBytes()).isEqualTo(sentWithoutTarget);
    if (accepted) {
      assertThat(e.countedBytes()).isLessThanOrEqualTo(MessageMapper.MAX_PAYLOAD_BYTES);
    }
  }

  @Provide
  Arbitrary<Content> contents() {
    // Lengths around the limit, with characters JSON escapes (quotes, backslashes, controls) and non-BMP ones.
    Arbitrary<String> text = Arbitraries.oneOf(
        Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(4000),
        Arbitraries.strings().withChars('"', '\\', '\n', '\u0001', '<', '&', 'é', '✓').ofMaxLength(1500),
        Arbitraries.strings().all().ofMaxLength(1200),
        Arbitraries.strings().withChars("😀𝄞").ofMaxLength(1000));
    Arbitrary<Map<String, String>> data = Arbitraries.maps(
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20), text).ofMaxSize(3);
    Arbitrary<Content> anySize = net.jqwik.api.Combinators.combine(text.injectNull(0.2), text.injectNull(0.2), data)
        .as((t, b, d) -> Content.validate("", t, b, d, null, null))
        .filter(dev.herald.Validated::isValid)
        .map(v -> v.orElseThrow("content"));
    // Most draws of anySize are far from the limit; these land within a few hundred bytes of it.
    Arbitrary<String> shortText = Arbitraries.strings().withCharRange(' ', '~').withChars('"', 'é', '😀').ofMaxLength(40);
    Arbitrary<String> nearLimitBody = Arbitraries.strings().withCharRange('a', 'z').withChars('"', '\\', '\n', 'é')
        .ofMinLength(3200).ofMaxLength(3700);
    Arbitrary<Content> nearTheLimit = net.jqwik.api.Combinators.combine(shortText, nearLimitBody,
            Arbitraries.maps(Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10), shortText).ofMaxSize(2))
        .as((t, b, d) -> Content.validate("", t, b, d, null, null))
        // Some draws hold an unpaired surrogate, which Content refuses since the hardening round.
        .filter(dev.herald.Validated::isValid)
        .map(v -> v.orElseThrow("content"));
    return Arbitraries.oneOf(anySize, nearTheLimit);
  }

  @Provide
  Arbitrary<String> collapseKeys() {
    return Arbitraries.strings().withChars("abcXYZ09-_").ofMinLength(1).ofMaxLength(32).injectNull(0.5);
  }
}
