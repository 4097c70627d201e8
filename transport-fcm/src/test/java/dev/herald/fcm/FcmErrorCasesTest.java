package dev.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One test per case of the shared FCM error fixture: the fake FCM answers with the case's status,
 * headers and body, and the transport must classify it as the case's "action" says.
 */
class FcmErrorCasesTest extends FcmTestSupport {

  /** Every case name below; a new case in the fixture fails {@link #everyFixtureCaseHasATest} until handled. */
  private static final List<String> COVERED = List.of("unregistered", "invalid-token", "message-too-big", "invalid-field",
      "sender-id-mismatch", "quota-exceeded", "rate-limit-without-fcm-detail", "unavailable", "internal",
      "third-party-auth", "expired-access-token");

  @Test
  @SuppressWarnings("unchecked")
  void everyFixtureCaseHasATest() {
    List<Object> cases = (List<Object>) FakeGoogle.fixtures().get("cases");
    assertThat(cases).extracting(c -> ((Map<String, Object>) c).get("name")).containsExactlyInAnyOrderElementsOf(COVERED);
  }

  @Test
  void successIsDeliveredWithTheMessageName() {
    assertThat(await(transport().send(toToken())))
        .isEqualTo(new Outcome.Delivered("projects/demo-project/messages/0:1700000000000000%31bd1c9631bd1c96"));
    assertThat(google.requestProblems).isEmpty();
  }

  @Test
  void unregisteredIsTargetGone() {
    Outcome o = answer("unregistered");
    assertThat(o).isInstanceOf(Outcome.TargetGone.class);
    assertThat(o.rawCode()).isEqualTo("UNREGISTERED");
    assertThat(((Outcome.TargetGone) o).reason()).startsWith("FCM 404 UNREGISTERED");
  }

  @Test
  void invalidTokenIsTargetGone() {
    Outcome o = answer("invalid-token");
    assertThat(o).isInstanceOf(Outcome.TargetGone.class);
    assertThat(o.rawCode()).isEqualTo("INVALID_ARGUMENT");
  }

  @Test
  void messageTooBigIsRejectedAndKeepsTheDevice() {
    // The same structure as invalid-token: only the message tells them apart, and it may only spare a device.
    Outcome o = answer("message-too-big");
    assertThat(o).isInstanceOf(Outcome.Rejected.class);
    assertThat(o.rawCode()).isEqualTo("INVALID_ARGUMENT");
    assertThat(((Outcome.Rejected) o).reason()).contains("message too big");
  }

  @Test
  void invalidFieldIsRejectedAndKeepsTheDevice() {
    Outcome o = answer("invalid-field");
    assertThat(o).isInstanceOf(Outcome.Rejected.class);
    assertThat(o.rawCode()).isEqualTo("INVALID_ARGUMENT");
    assertThat(((Outcome.Rejected) o).reason()).contains("message.android.ttl");
  }

  @Test
  void senderIdMismatchIsTargetGone() {
    Outcome o = answer("sender-id-mismatch");
    assertThat(o).isInstanceOf(Outcome.TargetGone.class);
    assertThat(o.rawCode()).isEqualTo("SENDER_ID_MISMATCH");
  }

  @Test
  void quotaExceededRetriesNoSoonerThanSixtySecondsAndHonoursRetryAfter() {
    Outcome o = answer("quota-exceeded"); // Retry-After: 60
    assertThat(o).isEqualTo(new Outcome.Retry(Duration.ofSeconds(60), "QUOTA_EXCEEDED", ((Outcome.Retry) o).reason()));

    google.responder = m -> FakeGoogle.withRetryAfter(FakeGoogle.fixture("quota-exceeded"), Duration.ofSeconds(300));
    assertThat(((Outcome.Retry) await(transport().send(toToken()))).retryAfter()).isEqualTo(Duration.ofSeconds(300));

    google.responder = m -> FakeGoogle.withRetryAfter(FakeGoogle.fixture("quota-exceeded"), Duration.ofSeconds(5));
    assertThat(((Outcome.Retry) await(transport().send(toToken()))).retryAfter()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void rateLimitWithoutFcmDetailRetriesNoSoonerThanSixtySeconds() {
    Outcome o = answer("rate-limit-without-fcm-detail"); // no Retry-After, no FcmError
    assertThat(o).isInstanceOf(Outcome.Retry.class);
    assertThat(((Outcome.Retry) o).retryAfter()).isEqualTo(Duration.ofSeconds(60));
    assertThat(o.rawCode()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(((Outcome.Retry) o).reason()).contains("RATE_LIMIT_EXCEEDED");
  }

  @Test
  void unavailableRetriesHonouringRetryAfter() {
    Outcome o = answer("unavailable"); // Retry-After: 10
    assertThat(o).isInstanceOf(Outcome.Retry.class);
    assertThat(((Outcome.Retry) o).retryAfter()).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.rawCode()).isEqualTo("UNAVAILABLE");
  }

  @Test
  void internalRetriesWithThePolicysBackoff() {
    Outcome o = answer("internal");
    assertThat(o).isInstanceOf(Outcome.Retry.class);
    assertThat(((Outcome.Retry) o).retryAfter()).isNull();
    assertThat(o.rawCode()).isEqualTo("INTERNAL");
  }

  @Test
  void thirdPartyAuthErrorPausesTheChannelWithoutRefreshingTheToken() {
    Outcome o = answer("third-party-auth");
    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.rawCode()).isEqualTo("THIRD_PARTY_AUTH_ERROR");
    // A 401 about FCM's APNs/Web Push credentials is not about our token: no refresh, no second try.
    assertThat(google.tokenRequests).hasValue(1);
    assertThat(google.fcmRequests).hasValue(1);
  }

  @Test
  void expiredAccessTokenRefreshesOnceAndRetriesOnce() {
    FcmTransport t = transport();
    assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.Delivered.class);
    google.revokeAllTokens(); // FCM now answers the fixture's 401 to the cached token

    assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.Delivered.class);
    assertThat(google.tokenRequests).hasValue(2);
    assertThat(google.fcmRequests).hasValue(3);
    assertThat(google.bearerTokens.get(1)).isEqualTo(google.bearerTokens.get(0));
    assertThat(google.bearerTokens.get(2)).isNotEqualTo(google.bearerTokens.get(1));
    assertThat(google.assertionProblems).isEmpty();
  }

  @Test
  void expiredAccessTokenThatPersistsPausesTheChannelAfterOneRetry() {
    FcmTransport t = transport();
    google.responder = m -> FakeGoogle.fixture("expired-access-token"); // even fresh tokens are refused

    Outcome o = await(t.send(toToken()));
    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.rawCode()).isEqualTo("UNAUTHENTICATED");
    assertThat(google.tokenRequests).hasValue(2);
    assertThat(google.fcmRequests).hasValue(2);
  }

  private Outcome answer(String fixtureCase) {
    google.responder = m -> FakeGoogle.fixture(fixtureCase);
    Outcome o = await(transport().send(toToken()));
    assertThat(google.requestProblems).isEmpty();
    return o;
  }
}
