package dev.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.herald.InvalidInputException;
import dev.herald.Outcome;
import dev.herald.spi.SendDeadline;
import dev.herald.testing.Reply;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Regression tests of issue 12 for the FCM transport: no redirect is followed (item 6), plain http
 * only to real loopback hosts (6), no private {@code token_uri} unless allowed (6), {@code send}
 * never completes exceptionally (6), range-checked {@code Retry-After} (2), the claim's deadline
 * checked where the request leaves (0), no credential in {@code toString()} (7).
 */
class FcmHardeningTest extends FcmTestSupport {
  private MockWebServer elsewhere;

  @BeforeEach
  void startElsewhere() throws IOException {
    elsewhere = new MockWebServer();
    elsewhere.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stopElsewhere() {
    elsewhere.close();
  }

  private Reply redirectElsewhere(int code) {
    elsewhere.enqueue(new MockResponse.Builder().code(200).body("{\"name\": \"projects/p/messages/stolen\", "
        + "\"access_token\": \"ya29.stolen\", \"expires_in\": 3599}").build());
    return Reply.status(code).withHeader("Location", elsewhere.url("/collect").toString());
  }

  @Test
  void declaresItsCapacityAndTimeoutToTheEngine() {
    FcmTransport t = track(builder().maxInFlight(17).requestTimeout(Duration.ofSeconds(7)).build());
    assertThat(t.maxConcurrentSends()).isEqualTo(17);
    assertThat(t.sendTimeout()).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void aRedirectFromTheTokenEndpointIsNotFollowedWithTheSignedAssertion() {
    fcm.answerTokenRequests(redirectElsewhere(307));
    Outcome o = await(transport().send(toToken()));
    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.rawCode()).isEqualTo("307");
    assertThat(elsewhere.getRequestCount()).as("requests that reached the other origin").isZero();
  }

  @Test
  void aRedirectFromMessagesSendIsNotFollowedNorRecordedAsDelivered() {
    Reply redirect = redirectElsewhere(307);
    fcm.answerWith(r -> redirect);
    Outcome o = await(transport().send(toToken()));
    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.reason()).contains("redirect");
    assertThat(elsewhere.getRequestCount()).isZero();
  }

  @Test
  void plainHttpOnlyToLocalhostOrALoopbackLiteral() {
    assertThatThrownBy(() -> FcmTransport.builder().baseUrl("http://127.attacker.example")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("baseUrl must be an absolute https URL (http only to a loopback host)");
    assertThatThrownBy(() -> FcmTransport.builder().tokenUri("http://localhost.attacker.example/token"))
        .isInstanceOf(IllegalArgumentException.class);
    FcmTransport.builder().baseUrl("http://localhost:8080").baseUrl("http://127.0.0.2:1").baseUrl("http://[::1]:1");
    InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
        () -> ServiceAccount.fromJson(TestKeys.json(TestKeys.fields("http://127.attacker.example/token"))));
    assertThat(e.fields()).containsExactly("token_uri");
  }

  @Test
  void aTokenUriAtTheMetadataAddressIsRefusedUnlessPrivateNetworksAreAllowed() {
    ServiceAccount metadata = TestKeys.account("https://169.254.169.254/computeMetadata/v1/token");
    InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
        () -> FcmTransport.builder().serviceAccount(metadata).build());
    assertThat(e.fields()).containsExactly("token_uri");
    assertThat(e.getMessage()).contains("169.254.169.254");
    track(FcmTransport.builder().serviceAccount(metadata).allowPrivateNetworks(true).build());
    assertThat(catchThrowableOfType(InvalidInputException.class, () -> FcmTransport.builder()
        .serviceAccount(TestKeys.account("https://oauth2.googleapis.com/token")).tokenUri("https://[fd00::1]/token")
        .build()).fields()).containsExactly("tokenUri");
    // The unspecified address reaches this machine: never, even when private networks are allowed.
    assertThat(catchThrowableOfType(InvalidInputException.class, () -> FcmTransport.builder()
        .serviceAccount(TestKeys.account("https://0.0.0.0/token")).allowPrivateNetworks(true).build()).fields())
        .containsExactly("token_uri");
  }

  @Test
  void aTokenUriNameThatResolvesToAPrivateAddressIsNotContacted() {
    okhttp3.OkHttpClient resolvesToMetadata = new okhttp3.OkHttpClient.Builder()
        .dns(host -> java.util.List.of(InetAddress.getByAddress(host, new byte[] {(byte) 169, (byte) 254, (byte) 169, (byte) 254})))
        .build();
    FcmTransport t = track(FcmTransport.builder().serviceAccount(TestKeys.account("https://oauth2.example.org/token"))
        .okHttpClient(resolvesToMetadata).requestTimeout(Duration.ofSeconds(3)).build());
    Outcome o = await(t.send(toToken()));
    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.reason()).contains("may not contact");
  }

  @Test
  void anAccessTokenWithALineBreakNeverMakesSendCompleteExceptionally() {
    fcm.answerTokenRequests(json(200, Map.of("access_token", "ya29.x\r\nX-Injected: 1", "expires_in", 3599,
        "token_type", "Bearer")));
    CompletableFuture<Outcome> f = transport().send(toToken()).toCompletableFuture();
    Outcome o = await(f);
    assertThat(f.isCompletedExceptionally()).isFalse();
    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.reason()).contains("access_token is not a token");
    assertThat(fcm.requestCount()).isZero();
  }

  @Test
  void anAbsurdExpiresInNeitherOverflowsNorKeepsATokenForever() {
    fcm.answerTokenRequests(json(200, Map.of("access_token", "ya29.valid-token", "expires_in", 1e30,
        "token_type", "Bearer")));
    FcmTransport t = transport();
    await(t.send(toToken()));
    assertThat(bearerTokens()).as("parsed and used, not refused as malformed").contains("ya29.valid-token");
    fcm.answerTokenRequests(null);
    clock.advance(Duration.ofDays(2)); // read as at most a day: a new one is fetched
    await(t.send(toToken()));
    assertThat(fcm.tokenRequestCount()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void anOAuthErrorCodeWithControlCharactersReachesNoLogOrRecordAsItIs() {
    fcm.answerTokenRequests(json(400, Map.of("error", "invalid_grant\r\nFAKE LOG LINE\u0000", "error_description", "x")));
    Outcome o = await(transport().send(toToken()));
    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.rawCode()).doesNotContain("\r").doesNotContain("\n").doesNotContain("\u0000")
        .isEqualTo("invalid_grant\\u000d\\u000aFAKE LOG LINE\\u0000");
  }

  @Test
  void aRetryAfterBeyondAnIntIsReadAsADayNotAsAFailedCall() {
    fcm.answerWith(r -> Reply.status(503).withHeader("Retry-After", "9223372036854775807").withBody(""));
    Outcome o = await(transport().send(toToken()));
    assertThat(o).isInstanceOf(Outcome.Retry.class);
    assertThat(((Outcome.Retry) o).retryAfter()).isEqualTo(Duration.ofDays(1));
    assertThat(o.rawCode()).isEqualTo("503");
  }

  @Test
  void aSendWithLessThanTheRequestTimeoutLeftIsNotSent() {
    Outcome o = await(transport().send(toToken(), SendDeadline.in(Duration.ofSeconds(29), clock)));
    assertThat(o).isInstanceOf(Outcome.NotSent.class);
    assertThat(fcm.requestCount()).isZero();
    assertThat(fcm.tokenRequestCount()).isZero();
  }

  @Test
  void theDeadlineIsCheckedWhenTheRequestLeavesAfterTheWaitForAToken() throws Exception {
    FcmTransport t = transport();
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch requested = new CountDownLatch(1);
    fcm.onTokenRequest(r -> {
      requested.countDown();
      try {
        gate.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    // The deadline's own clock, so that the token endpoint's check of the assertion's times is not disturbed.
    dev.herald.testing.MutableClock engineClock = new dev.herald.testing.MutableClock(clock.instant());
    CompletableFuture<Outcome> f = t.send(toToken(), SendDeadline.in(Duration.ofSeconds(40), engineClock)).toCompletableFuture();
    try {
      assertThat(requested.await(10, TimeUnit.SECONDS)).isTrue();
      engineClock.advance(Duration.ofSeconds(15)); // the token took 15 s: 25 s left, less than the 30 s a request may take
    } finally {
      gate.countDown();
    }
    assertThat(await(f)).isInstanceOf(Outcome.NotSent.class);
    assertThat(fcm.requestCount()).isZero();
  }

  @Test
  void toStringShowsNoUserInfoOfTheTokenUri() {
    ServiceAccount a = ServiceAccount.fromJson(TestKeys.json(TestKeys.fields("https://user:secret-pw@oauth2.example.org/token?key=k1")));
    assertThat(a.toString()).doesNotContain("secret-pw").doesNotContain("user:").doesNotContain("k1")
        .contains("oauth2.example.org/token");
    FcmTransport t = track(FcmTransport.builder().serviceAccount(a).build());
    assertThat(t.toString()).doesNotContain("secret-pw");
  }
}
