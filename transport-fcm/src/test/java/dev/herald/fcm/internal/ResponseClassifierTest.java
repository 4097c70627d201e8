package dev.herald.fcm.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The rules beyond the shared fixture: statuses without an FcmError, unknown codes, field violations. */
class ResponseClassifierTest {

  @Test
  void fieldViolationOnTheTokenIsTargetGone() {
    FcmErrorBody e = body(400, "INVALID_ARGUMENT", null, List.of("message.token"));
    assertThat(ResponseClassifier.classify(400, e, null, true)).isInstanceOf(Outcome.TargetGone.class);
    FcmErrorBody fid = body(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", List.of("message.fid"));
    assertThat(ResponseClassifier.classify(400, fid, null, true)).isInstanceOf(Outcome.TargetGone.class);
  }

  @Test
  void fcmInvalidArgumentThatNamesAnotherFieldIsRejected() {
    FcmErrorBody e = body(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", List.of("message.data"));
    Outcome o = ResponseClassifier.classify(400, e, null, true);
    assertThat(o).isInstanceOf(Outcome.Rejected.class);
    assertThat(((Outcome.Rejected) o).reason()).contains("[message.data]");
  }

  @Test
  void messageTooBigNeverPrunesTheDevice() {
    // FCM's answer to an oversized message has exactly the structure of its answer to an invalid token.
    for (String text : new String[] {"Android message is too big", "Message is too big", "Request payload too large",
        "APNS PAYLOAD TOO LARGE"}) {
      FcmErrorBody tooBig = new FcmErrorBody("INVALID_ARGUMENT", text, "INVALID_ARGUMENT", List.of(), null);
      Outcome o = ResponseClassifier.classify(400, tooBig, null, true);
      assertThat(o).as(text).isInstanceOf(Outcome.Rejected.class);
      assertThat(((Outcome.Rejected) o).reason()).startsWith("FCM 400 INVALID_ARGUMENT (message too big)");
    }
    FcmErrorBody invalidToken = new FcmErrorBody("INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token", "INVALID_ARGUMENT", List.of(), null);
    assertThat(ResponseClassifier.classify(400, invalidToken, null, true)).isInstanceOf(Outcome.TargetGone.class);
  }

  @Property(tries = 300)
  void theMessageTextCanOnlySpareADeviceNeverPruneOne(@ForAll @IntRange(min = 400, max = 599) int status,
      @ForAll("anyCodes") String fcmCode, @ForAll("texts") String text) {
    // Whatever the text says, the outcome with it is target gone only if it is so without any text.
    Outcome withText = ResponseClassifier.classify(status, new FcmErrorBody("INVALID_ARGUMENT", text, fcmCode, List.of(), null),
        null, true);
    Outcome without = ResponseClassifier.classify(status, new FcmErrorBody("INVALID_ARGUMENT", null, fcmCode, List.of(), null),
        null, true);
    if (withText instanceof Outcome.TargetGone) {
      assertThat(without).isInstanceOf(Outcome.TargetGone.class);
    }
  }

  @Test
  void bareInvalidArgumentWithoutFcmDetailIsRejected() {
    FcmErrorBody e = body(400, "INVALID_ARGUMENT", null, List.of());
    assertThat(ResponseClassifier.classify(400, e, null, true)).isEqualTo(new Outcome.Rejected("INVALID_ARGUMENT",
        "FCM 400 INVALID_ARGUMENT (invalid message): \"bad\""));
  }

  @Test
  void emptyBodyOn400IsRejectedWithTheStatusAsRawCode() {
    assertThat(ResponseClassifier.classify(400, FcmErrorBody.EMPTY, null, true))
        .isEqualTo(new Outcome.Rejected("400", "FCM 400 400 (invalid message)"));
  }

  @Test
  void unauthorisedWithoutFcmDetailPausesTheChannel() {
    Outcome o = ResponseClassifier.classify(401, body(401, "UNAUTHENTICATED", null, List.of()), null, true);
    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.rawCode()).isEqualTo("UNAUTHENTICATED");
  }

  @Test
  void permissionDeniedWithoutSenderMismatchPausesTheChannel() {
    FcmErrorBody e = new FcmErrorBody("PERMISSION_DENIED", "Firebase Cloud Messaging API has not been used", null,
        List.of(), "SERVICE_DISABLED");
    Outcome o = ResponseClassifier.classify(403, e, null, true);
    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(((Outcome.ChannelUnavailable) o).reason()).contains("[SERVICE_DISABLED]");
  }

  @Test
  void notFoundWithoutUnregisteredPausesTheChannelInsteadOfPruning() {
    // A wrong project id answers 404 for every device: pruning them all would be the worst reaction.
    Outcome o = ResponseClassifier.classify(404, body(404, "NOT_FOUND", null, List.of()), null, true);
    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.rawCode()).isEqualTo("NOT_FOUND");
  }

  @Test
  void unknownFcmCodeIsRetryKeepingTheCode() {
    Outcome o = ResponseClassifier.classify(400, body(400, "FAILED_PRECONDITION", "SOMETHING_NEW", List.of()),
        Duration.ofSeconds(3), true);
    assertThat(o).isEqualTo(new Outcome.Retry(Duration.ofSeconds(3), "SOMETHING_NEW",
        "FCM 400 SOMETHING_NEW (unknown FCM error code): \"bad\""));
  }

  @Test
  void unknownCodeOn429StillWaitsAMinute() {
    Outcome o = ResponseClassifier.classify(429, body(429, "RESOURCE_EXHAUSTED", "SOMETHING_NEW", List.of()), null, true);
    assertThat(((Outcome.Retry) o).retryAfter()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void payloadTooLargeIsRejected() {
    assertThat(ResponseClassifier.classify(413, FcmErrorBody.EMPTY, null, true)).isInstanceOf(Outcome.Rejected.class);
  }

  @Test
  void otherServerErrorsAndTimeoutsRetryHonouringRetryAfter() {
    for (int status : new int[] {408, 500, 502, 503, 504, 418}) {
      Outcome o = ResponseClassifier.classify(status, FcmErrorBody.EMPTY, Duration.ofSeconds(7), true);
      assertThat(o).isEqualTo(new Outcome.Retry(Duration.ofSeconds(7), Integer.toString(status), "FCM " + status + " " + status));
    }
  }

  @Test
  void apnsAuthErrorIsTheOldNameOfThirdPartyAuth() {
    FcmErrorBody e = body(401, "UNAUTHENTICATED", "APNS_AUTH_ERROR", List.of());
    assertThat(ResponseClassifier.classify(401, e, null, true)).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(ResponseClassifier.accessTokenRejected(401, e)).isFalse();
    assertThat(ResponseClassifier.accessTokenRejected(401, FcmErrorBody.EMPTY)).isTrue();
    assertThat(ResponseClassifier.accessTokenRejected(403, FcmErrorBody.EMPTY)).isFalse();
  }

  @Test
  void broadcastsAreNeverTargetGone() {
    for (String code : new String[] {"UNREGISTERED", "SENDER_ID_MISMATCH", "INVALID_ARGUMENT"}) {
      assertThat(ResponseClassifier.classify(400, body(400, "X", code, List.of()), null, false))
          .isInstanceOf(Outcome.Rejected.class);
    }
  }

  @Test
  void classificationIgnoresTheMessageText() {
    FcmErrorBody misleading = new FcmErrorBody("INTERNAL", "UNREGISTERED: The registration token is not valid",
        "INTERNAL", List.of(), null);
    assertThat(ResponseClassifier.classify(500, misleading, null, true)).isInstanceOf(Outcome.Retry.class);
  }

  @Test
  void errorBodyParsingSkipsWhatItCannotRead() {
    assertThat(FcmErrorBody.parse("<html>")).isEqualTo(FcmErrorBody.EMPTY);
    assertThat(FcmErrorBody.parse("")).isEqualTo(FcmErrorBody.EMPTY);
    assertThat(FcmErrorBody.parse("{\"error\": \"nope\"}")).isEqualTo(FcmErrorBody.EMPTY);
    FcmErrorBody odd = FcmErrorBody.parse("{\"error\": {\"status\": 5, \"details\": [1, {\"@type\": 2},"
        + " {\"@type\": \"type.googleapis.com/google.rpc.BadRequest\", \"fieldViolations\": [{\"field\": 3}, {\"field\": \"message.token\"}]}]}}");
    assertThat(odd).isEqualTo(new FcmErrorBody(null, null, null, List.of("message.token"), null));
  }

  @Property(tries = 300)
  void anyResponseClassifiesWithoutThrowing(@ForAll @IntRange(min = 100, max = 599) int status, @ForAll String body) {
    Outcome o = ResponseClassifier.classify(status, FcmErrorBody.parse(body), null, true);
    assertThat(o).isNotNull().isNotInstanceOf(Outcome.Delivered.class);
    assertThat(o.rawCode()).isNotNull();
  }

  @Property(tries = 200)
  void any429WaitsAtLeastAMinuteAndAtLeastRetryAfter(@ForAll @IntRange(min = 0, max = 100_000) int retryAfterSeconds,
      @ForAll("codes") String code) {
    Duration ra = Duration.ofSeconds(retryAfterSeconds);
    Outcome o = ResponseClassifier.classify(429, body(429, "RESOURCE_EXHAUSTED", code, List.of()), ra, true);
    assertThat(o).isInstanceOf(Outcome.Retry.class);
    assertThat(((Outcome.Retry) o).retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(60)).isGreaterThanOrEqualTo(ra);
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> codes() {
    return net.jqwik.api.Arbitraries.of("QUOTA_EXCEEDED", "SOMETHING_NEW", "UNSPECIFIED_ERROR").injectNull(0.3);
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> texts() {
    return net.jqwik.api.Arbitraries.oneOf(net.jqwik.api.Arbitraries.strings(), net.jqwik.api.Arbitraries.of(
        "UNREGISTERED", "The registration token is not a valid FCM registration token", "Requested entity was not found.",
        "SenderId mismatch", "Android message is too big"));
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> anyCodes() {
    return net.jqwik.api.Arbitraries.of("INVALID_ARGUMENT", "UNREGISTERED", "SENDER_ID_MISMATCH", "QUOTA_EXCEEDED",
        "SOMETHING_NEW").injectNull(0.2);
  }

  @Test
  void retryAfterReadsSecondsAndHttpDates() {
    Instant now = Instant.parse("2026-03-01T10:00:00Z");
    assertThat(RetryAfter.parse("120", now)).isEqualTo(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse(" 0 ", now)).isEqualTo(Duration.ZERO);
    assertThat(RetryAfter.parse("Sun, 01 Mar 2026 10:01:30 GMT", now)).isEqualTo(Duration.ofSeconds(90));
    assertThat(RetryAfter.parse("Sun, 01 Mar 2026 09:00:00 GMT", now)).isEqualTo(Duration.ZERO);
    assertThat(RetryAfter.parse("soon", now)).isNull();
    assertThat(RetryAfter.parse("-5", now)).isNull();
    assertThat(RetryAfter.parse("99999999999999999999999", now)).isEqualTo(Duration.ofDays(1));
    assertThat(RetryAfter.parse(null, now)).isNull();
  }

  private static FcmErrorBody body(int code, String status, String fcmCode, List<String> fields) {
    return new FcmErrorBody(status, "bad", fcmCode, fields, null);
  }
}
