package dev.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.Outcome;
import dev.herald.testing.Reply;
import dev.herald.testing.fcm.FcmError;
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
    List<Object> cases = (List<Object>) fixtures().get("cases");
    assertThat(cases).extracting(c -> ((Map<String, Object>) c).get("name")).containsExactlyInAnyOrderElementsOf(COVERED);
  }

  @Test
  @SuppressWarnings("unchecked")
  void successIsDeliveredWithTheMessageName() {
    // FCM's name has the shape of the fixture's success: projects/<project>/messages/0:<micros>%<16 hex>.
    Outcome o = await(transport().send(toToken()));
    String fixtureName = (String) ((Map<String, Object>) ((Map<String, Object>) fixtures().get("success")).get("body")).get("name");
    String shape = "projects/demo-project/messages/0:\\d{16,}%[0-9a-f]{16}";
    assertThat(fixtureName).matches(shape);
    assertThat(o).isInstanceOfSatisfying(Outcome.Delivered.class, d -> assertThat(d.providerId()).matches(shape));
    assertThat(requestProblems()).isEmpty();
  }

  /** The fake answers as the fixture, which records what FCM answers: its FcmError bodies are the fixture's. */
  @Test
  @SuppressWarnings("unchecked")
  void theFakesErrorsAreTheDocumentedBodies() throws Exception {
    Map<String, Reply> fake = Map.of("unregistered", FcmError.UNREGISTERED.reply(),
        "invalid-token", FcmError.INVALID_ARGUMENT.reply(),
        "message-too-big", FcmError.INVALID_ARGUMENT.reply("Android message is too big"),
        "sender-id-mismatch", FcmError.SENDER_ID_MISMATCH.reply(),
        "quota-exceeded", FcmError.QUOTA_EXCEEDED.reply().withRetryAfter(Duration.ofSeconds(60)),
        "unavailable", FcmError.UNAVAILABLE.reply().withRetryAfter(Duration.ofSeconds(10)),
        "internal", FcmError.INTERNAL.reply(),
        "third-party-auth", FcmError.THIRD_PARTY_AUTH_ERROR.reply());
    for (Map.Entry<String, Reply> e : fake.entrySet()) {
      Map<String, Object> c = fixtureCase(e.getKey());
      assertThat(e.getValue().status()).as(e.getKey()).isEqualTo(((Number) c.get("http")).intValue());
      assertThat(JSONObjectUtils.parse(e.getValue().body())).as(e.getKey()).isEqualTo(c.get("body"));
      assertThat(e.getValue().headers()).as(e.getKey()).isEqualTo(c.getOrDefault("headers", Map.of()));
    }
    // And a token FCM does not know is refused with the fixture's 401.
    FcmTransport t = transport();
    await(t.send(toToken()));
    fcm.revokeTokens();
    java.util.concurrent.atomic.AtomicReference<Reply> refused = new java.util.concurrent.atomic.AtomicReference<>();
    fcm.onRequest(r -> refused.compareAndSet(null, r.reply()));
    await(t.send(toToken()));
    assertThat(JSONObjectUtils.parse(refused.get().body())).isEqualTo(fixtureCase("expired-access-token").get("body"));
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

    fcm.answerWith(r -> fixture("quota-exceeded").withRetryAfter(Duration.ofSeconds(300)));
    assertThat(((Outcome.Retry) await(transport().send(toToken()))).retryAfter()).isEqualTo(Duration.ofSeconds(300));

    fcm.answerWith(r -> fixture("quota-exceeded").withRetryAfter(Duration.ofSeconds(5)));
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
    assertThat(fcm.tokenRequestCount()).isEqualTo(1);
    assertThat(fcm.requestCount()).isEqualTo(1);
  }

  @Test
  void expiredAccessTokenRefreshesOnceAndRetriesOnce() {
    FcmTransport t = transport();
    assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.Delivered.class);
    fcm.revokeTokens(); // FCM now answers the fixture's 401 to the cached token

    assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.Delivered.class);
    assertThat(fcm.tokenRequestCount()).isEqualTo(2);
    assertThat(fcm.requestCount()).isEqualTo(3);
    List<String> tokens = bearerTokens();
    assertThat(tokens.get(1)).isEqualTo(tokens.get(0));
    assertThat(tokens.get(2)).isNotEqualTo(tokens.get(1));
    assertThat(fcm.tokenRequests()).allSatisfy(r -> assertThat(r.problem()).isNull());
  }

  @Test
  void expiredAccessTokenThatPersistsPausesTheChannelAfterOneRetry() {
    FcmTransport t = transport();
    fcm.answerWith(r -> fixture("expired-access-token")); // even fresh tokens are refused

    Outcome o = await(t.send(toToken()));
    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.rawCode()).isEqualTo("UNAUTHENTICATED");
    assertThat(fcm.tokenRequestCount()).isEqualTo(2);
    assertThat(fcm.requestCount()).isEqualTo(2);
  }

  private Outcome answer(String fixtureCase) {
    fcm.answerWith(r -> fixture(fixtureCase));
    Outcome o = await(transport().send(toToken()));
    assertThat(requestProblems()).isEmpty();
    return o;
  }
}
