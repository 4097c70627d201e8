package dev.herald;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** Invariants of the retry policy and of validation, over random inputs. */
class PropertiesTest {

  @Property
  void retryDelayStaysWithinTheJitteredCapOrRetryAfter(
      @ForAll @IntRange(min = 1, max = 40) int attempt,
      @ForAll @LongRange(min = 0, max = 3_600_000) long ageMillis,
      @ForAll @LongRange(min = -1, max = 900_000) long retryAfterMillis,
      @ForAll long seed) {
    RetryPolicy p = RetryPolicy.builder().initialDelay(Duration.ofMillis(500)).maxDelay(Duration.ofMinutes(5))
        .maxAttempts(30).maxAge(Duration.ofHours(2)).random(new SplittableRandom(seed)).build();
    Duration retryAfter = retryAfterMillis < 0 ? null : Duration.ofMillis(retryAfterMillis);
    Optional<Duration> next = p.nextDelay(attempt, Duration.ofMillis(ageMillis), retryAfter);
    if (attempt >= 30) {
      assertThat(next).isEmpty();
      return;
    }
    next.ifPresent(d -> {
      assertThat(d).isGreaterThanOrEqualTo(Duration.ZERO);
      Duration upper = p.backoffCap(attempt);
      Duration honoured = retryAfter == null ? null : retryAfter.compareTo(p.maxDelay()) > 0 ? p.maxDelay() : retryAfter;
      if (honoured != null && honoured.compareTo(upper) > 0) {
        upper = honoured;
      }
      assertThat(d).isLessThanOrEqualTo(upper);
      assertThat(d).isLessThanOrEqualTo(p.maxDelay()); // never longer than the policy's longest wait
      if (honoured != null) {
        assertThat(d).isGreaterThanOrEqualTo(honoured); // the server wins when longer, up to maxDelay
      }
      assertThat(Duration.ofMillis(ageMillis).plus(d)).isLessThanOrEqualTo(p.maxAge()); // never past max age
    });
    if (next.isEmpty()) {
      // Given up only for a reason: the attempt budget or the age budget.
      Duration minimum = retryAfter == null ? Duration.ZERO : retryAfter.compareTo(p.maxDelay()) > 0 ? p.maxDelay() : retryAfter;
      assertThat(attempt >= 30 || Duration.ofMillis(ageMillis).plus(minimum).compareTo(p.maxAge()) > 0
          || Duration.ofMillis(ageMillis).plus(p.backoffCap(attempt)).compareTo(p.maxAge()) > 0).isTrue();
    }
  }

  /** A hostile Retry-After (a year, Long.MAX_VALUE seconds) neither overflows nor parks a message beyond maxDelay. */
  @Property
  void anyRetryAfterIsCappedAtMaxDelay(@ForAll @LongRange(min = 0) long retryAfterSeconds,
      @ForAll @IntRange(min = 1, max = 11) int attempt, @ForAll long seed) {
    RetryPolicy p = RetryPolicy.builder().random(new SplittableRandom(seed)).build();
    Optional<Duration> next = p.nextDelay(attempt, Duration.ofMinutes(1), Duration.ofSeconds(retryAfterSeconds));
    assertThat(next).isPresent();
    assertThat(next.get()).isLessThanOrEqualTo(p.maxDelay());
    assertThat(next.get()).isGreaterThanOrEqualTo(
        Duration.ofSeconds(Math.min(retryAfterSeconds, p.maxDelay().getSeconds())));
  }

  @Property
  void backoffCapGrowsMonotonicallyToMaxDelay(@ForAll @IntRange(min = 1, max = 200) int attempt) {
    RetryPolicy p = RetryPolicy.builder().maxAttempts(1000).build();
    assertThat(p.backoffCap(attempt + 1)).isGreaterThanOrEqualTo(p.backoffCap(attempt));
    assertThat(p.backoffCap(attempt)).isLessThanOrEqualTo(p.maxDelay());
  }

  @Property
  void retriesAreBoundedInCountWhateverTheRandomSource(@ForAll long seed, @ForAll @IntRange(min = 1, max = 20) int maxAttempts) {
    RetryPolicy p = RetryPolicy.builder().maxAttempts(maxAttempts).random(new SplittableRandom(seed)).build();
    int attempt = 1;
    Duration age = Duration.ZERO;
    while (true) {
      Optional<Duration> d = p.nextDelay(attempt, age, null);
      if (d.isEmpty()) {
        break;
      }
      age = age.plus(d.get());
      attempt++;
    }
    assertThat(attempt).isLessThanOrEqualTo(maxAttempts);
    assertThat(age).isLessThanOrEqualTo(p.maxAge());
  }

  /** A notification with each field either valid or broken in a known way. */
  record Draft(String key, boolean withRecipient, String title, Duration ttl, String collapseKey, boolean badWindow,
      List<String> expectedFields) {}

  @Provide
  Arbitrary<Draft> drafts() {
    Arbitrary<String> key = Arbitraries.oneOf(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(40),
        Arbitraries.just(""), Arbitraries.just("x".repeat(300)), Arbitraries.just("bad\u0007key"));
    Arbitrary<String> title = Arbitraries.oneOf(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(30),
        Arbitraries.just(null), Arbitraries.just("t".repeat(2000)));
    Arbitrary<Duration> ttl = Arbitraries.oneOf(Arbitraries.longs().between(0, 86_400).map(Duration::ofSeconds),
        Arbitraries.just(Duration.ofSeconds(-5)), Arbitraries.just(Duration.ofDays(40)), Arbitraries.just(null));
    Arbitrary<String> collapse = Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.strings().withChars("abcXYZ09-_").ofMinLength(1).ofMaxLength(32),
        Arbitraries.just("has space"), Arbitraries.just("y".repeat(33)));
    return Combinators.combine(key, Arbitraries.of(true, false), title, ttl, collapse, Arbitraries.of(true, false))
        .as((k, r, t, d, c, w) -> {
          List<String> expected = new ArrayList<>();
          if (k.isEmpty() || k.length() > 255 || k.contains("\u0007")) {
            expected.add("idempotencyKey");
          }
          if (!r) {
            expected.add("recipient");
          }
          if (t == null || t.length() > Content.MAX_TITLE) {
            expected.add("content.title");
          }
          if (d == null || d.isNegative() || d.compareTo(Duration.ofDays(28)) > 0) {
            expected.add("options.timeToLive");
          }
          if (c != null && (c.contains(" ") || c.length() > 32)) {
            expected.add("options.collapseKey");
          }
          if (w) {
            expected.add("expiresAt");
          }
          return new Draft(k, r, t, d, c, w, expected);
        });
  }

  @Property
  void validationReportsEveryInvalidFieldOfARandomlyBrokenNotification(@ForAll("drafts") Draft d) {
    java.time.Instant t0 = java.time.Instant.parse("2026-11-22T10:00:00Z");
    Notification.Builder b = Notification.builder(d.key()).title(d.title()).timeToLive(d.ttl()).collapseKey(d.collapseKey())
        .notBefore(t0).expiresAt(d.badWindow() ? t0.minusSeconds(1) : t0.plusSeconds(60));
    if (d.withRecipient()) {
      b.recipient(Recipient.id("member-1"));
    }
    var result = b.validate();
    if (d.expectedFields().isEmpty()) {
      assertThat(result.isValid()).isTrue();
    } else {
      assertThat(result.isValid()).isFalse();
      assertThat(result.problems().stream().map(InvalidInputException.Problem::field).distinct().toList())
          .containsExactlyInAnyOrderElementsOf(d.expectedFields());
    }
  }
}
