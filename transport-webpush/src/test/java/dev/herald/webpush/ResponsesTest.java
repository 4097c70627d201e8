package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Outcome;
import dev.herald.webpush.internal.EndpointAddressRejectedException;
import dev.herald.webpush.internal.Responses;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResponsesTest {
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

  @ParameterizedTest
  @CsvSource({
      "200, Delivered", "201, Delivered", "202, Delivered", "204, Delivered",
      "404, TargetGone", "410, TargetGone",
      "400, Rejected", "413, Rejected", "405, Rejected", "415, Rejected", "301, Rejected", "302, Rejected", "308, Rejected",
      "401, ChannelUnavailable", "403, ChannelUnavailable",
      "408, Retry", "429, Retry", "500, Retry", "502, Retry", "503, Retry", "504, Retry"})
  void everyStatusHasAnOutcome(int code, String kind) {
    Outcome outcome = Responses.classify(code, null, null, "", NOW);
    assertThat(outcome.getClass().getSimpleName()).isEqualTo(kind);
    if (!(outcome instanceof Outcome.Delivered)) {
      assertThat(outcome.rawCode()).isEqualTo(Integer.toString(code));
    }
  }

  @Test
  void retryAfterInSeconds() {
    assertThat(Responses.retryAfter("0", NOW)).isEqualTo(Duration.ZERO);
    assertThat(Responses.retryAfter(" 3600 ", NOW)).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void retryAfterAsHttpDate() {
    assertThat(Responses.retryAfter("Sun, 01 Mar 2026 10:05:00 GMT", NOW)).isEqualTo(Duration.ofMinutes(5));
    assertThat(Responses.retryAfter("Sun, 01 Mar 2026 09:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
  }

  @Test
  void unparseableRetryAfterIsIgnored() {
    assertThat(Responses.retryAfter(null, NOW)).isNull();
    assertThat(Responses.retryAfter("soon", NOW)).isNull();
    assertThat(Responses.retryAfter("-5", NOW)).isNull();
    // More digits than a long holds is not unreadable but a long wait: read as the maximum, a day.
    assertThat(Responses.retryAfter("99999999999999999999999", NOW)).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void longBodiesAreCutAndControlCharactersEscaped() {
    Outcome outcome = Responses.classify(400, null, null, "bad\n" + "x".repeat(500), NOW);
    String reason = ((Outcome.Rejected) outcome).reason();
    assertThat(reason).contains("bad\\u000a").endsWith("…(504 chars)");
  }

  @Test
  void failuresAreRetriedExceptPolicyRefusals() {
    assertThat(Responses.failure(new SocketTimeoutException("Read timed out")))
        .isEqualTo(Outcome.retry(null, "timeout: SocketTimeoutException: \"Read timed out\""));
    assertThat(Responses.failure(new InterruptedIOException("timeout")))
        .isEqualTo(Outcome.retry(null, "timeout: InterruptedIOException: \"timeout\""));
    assertThat(Responses.failure(new ConnectException("Connection refused")))
        .isEqualTo(Outcome.retry(null, "connection failed: ConnectException: \"Connection refused\""));
    assertThat(Responses.failure(new IOException()))
        .isEqualTo(Outcome.retry(null, "I/O error: IOException"));
    assertThat(Responses.failure(new EndpointAddressRejectedException("no")))
        .isEqualTo(Outcome.rejected(null, "no"));
  }
}
