package dev.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Outcome;
import dev.herald.testing.Reply;
import dev.herald.testing.fcm.FakeFcm;
import dev.herald.testing.fcm.TokenRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FcmAccessTokenTest extends FcmTestSupport {

  @Test
  void assertionIsRs256SignedByTheServiceAccountWithGooglesClaims() {
    assertThat(await(transport().send(toToken()))).isInstanceOf(Outcome.Delivered.class);

    // The fake endpoint verified signature, kid, iss, aud, scope and the lifetime, as Google does.
    assertThat(fcm.tokenRequests()).hasSize(1);
    TokenRequest t = fcm.tokenRequests().get(0);
    assertThat(t.problem()).isNull();
    assertThat(t.claims()).containsEntry("iss", TestKeys.EMAIL).containsEntry("aud", fcm.tokenUri())
        .containsEntry("scope", "https://www.googleapis.com/auth/firebase.messaging");
    assertThat(t.instant("iat")).isEqualTo(clock.instant());
    assertThat(t.instant("exp")).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
    assertThat(bearerTokens()).containsOnly(t.accessToken());
  }

  @Test
  void tokenIsCachedAcrossSends() {
    FcmTransport t = transport();
    for (int i = 0; i < 5; i++) {
      assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.Delivered.class);
      clock.advance(Duration.ofMinutes(10)); // 0..40 min: inside the token's hour, before refresh-ahead
    }
    assertThat(fcm.tokenRequestCount()).isEqualTo(1);
    assertThat(t.tokenRefreshCount()).isEqualTo(1);
  }

  @Test
  void fiveHundredConcurrentSendsShareExactlyOneTokenRefresh() throws Exception {
    FcmTransport t = transport();
    CountDownLatch gate = new CountDownLatch(1); // hold the token response until every send waits on it
    fcm.onTokenRequest(r -> awaitLatch(gate));
    int sends = 500;
    List<CompletionStage<Outcome>> results = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<CompletableFuture<CompletionStage<Outcome>>> started = new ArrayList<>();
      for (int i = 0; i < sends; i++) {
        started.add(CompletableFuture.supplyAsync(() -> {
          awaitLatch(start);
          return t.send(toToken());
        }, pool));
      }
      start.countDown();
      for (CompletableFuture<CompletionStage<Outcome>> s : started) {
        results.add(s.get(20, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdown();
    }
    assertThat(results).noneMatch(r -> r.toCompletableFuture().isDone());
    gate.countDown();

    for (CompletionStage<Outcome> r : results) {
      assertThat(await(r)).isInstanceOf(Outcome.Delivered.class);
    }
    assertThat(fcm.tokenRequestCount()).isEqualTo(1);
    assertThat(fcm.requestCount()).isEqualTo(sends);
    assertThat(bearerTokens()).containsOnly(bearerTokens().get(0));
  }

  @Test
  void expiringTokenIsRefreshedBeforeItExpiresWithoutHoldingASend() throws Exception {
    FcmTransport t = transport();
    assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.Delivered.class);
    String first = bearerTokens().get(0);

    // 56 minutes into a 3599 s token: past the refresh point (5 min before expiry), still usable.
    clock.advance(Duration.ofMinutes(56));
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch requested = new CountDownLatch(1);
    fcm.onTokenRequest(r -> {
      requested.countDown();
      awaitLatch(gate);
    });
    try {
      Outcome duringRefresh = await(t.send(toToken())); // completes while the refresh is held
      assertThat(duringRefresh).isInstanceOf(Outcome.Delivered.class);
      assertThat(bearerTokens().get(1)).isEqualTo(first);
      assertThat(requested.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(fcm.tokenRequestCount()).isEqualTo(2);
    } finally {
      gate.countDown();
    }
    // The refreshed token replaces the old one as soon as the endpoint answers.
    waitUntil(() -> await(t.send(toToken())) instanceof Outcome.Delivered && lastBearerDiffersFrom(first));
    assertThat(fcm.tokenRequestCount()).isEqualTo(2);
    assertThat(fcm.tokenRequests()).allSatisfy(r -> assertThat(r.problem()).isNull());
  }

  @Test
  void expiredTokenIsNeverSentAndTheSendWaitsForANewOne() {
    FcmTransport t = transport();
    await(t.send(toToken()));
    clock.advance(Duration.ofMinutes(59)); // within a minute of expiry: no longer put on a request

    assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.Delivered.class);
    assertThat(fcm.tokenRequestCount()).isEqualTo(2);
    assertThat(bearerTokens().get(1)).isNotEqualTo(bearerTokens().get(0));
  }

  @Test
  void rejectedGrantPausesTheChannelAndSendsNothing() {
    fcm.answerTokenRequests(FakeFcm.tokenError(400, "invalid_grant", "Invalid JWT Signature."));
    Outcome o = await(transport().send(toToken()));

    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.rawCode()).isEqualTo("invalid_grant");
    assertThat(((Outcome.ChannelUnavailable) o).reason())
        .isEqualTo("OAuth2 token endpoint answered 400 invalid_grant: \"Invalid JWT Signature.\"");
    assertThat(fcm.requestCount()).isZero();
  }

  @Test
  void tokenEndpointOutageCarriesItsRetryAfter() {
    fcm.answerTokenRequests(Reply.status(503).withRetryAfter(Duration.ofSeconds(30)).withBody("<html>busy</html>"));
    Outcome o = await(transport().send(toToken()));

    assertThat(o).isEqualTo(new Outcome.ChannelUnavailable(Duration.ofSeconds(30), "503",
        "OAuth2 token endpoint answered 503"));
  }

  @Test
  void unreachableTokenEndpointPausesTheChannel() {
    FcmTransport t = track(builder().tokenUri("http://127.0.0.1:" + closedPort() + "/token").build());
    Outcome o = await(t.send(toToken()));

    assertThat(o).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(o.rawCode()).isEqualTo("io");
    assertThat(((Outcome.ChannelUnavailable) o).reason()).startsWith("OAuth2 token endpoint unreachable: ConnectException");
  }

  @Test
  void tokenResponseWithoutAnAccessTokenPausesTheChannel() {
    fcm.answerTokenRequests(json(200, Map.of("expires_in", 3599, "token_type", "Bearer")));
    Outcome o = await(transport().send(toToken()));

    assertThat(o).isEqualTo(new Outcome.ChannelUnavailable(null, "malformed", "OAuth2 token response has no access_token"));
  }

  @Test
  void failedRefreshIsHeldForFiveSecondsThenTriedAgain() {
    FcmTransport t = transport();
    fcm.answerTokenRequests(FakeFcm.tokenError(400, "invalid_grant", null));
    assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(fcm.tokenRequestCount()).isEqualTo(1); // the second send got the held failure

    fcm.answerTokenRequests(null);
    clock.advance(Duration.ofSeconds(6));
    assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.Delivered.class);
    assertThat(fcm.tokenRequestCount()).isEqualTo(2);
  }

  @Test
  void failedBackgroundRefreshKeepsUsingTheValidToken() throws Exception {
    FcmTransport t = transport();
    await(t.send(toToken()));
    clock.advance(Duration.ofMinutes(56));
    fcm.answerTokenRequests(json(500, Map.of("error", "internal_failure")));
    CountDownLatch requested = new CountDownLatch(1);
    fcm.onTokenRequest(r -> requested.countDown());

    assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.Delivered.class);
    assertThat(requested.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.Delivered.class);
    assertThat(bearerTokens()).containsOnly(bearerTokens().get(0));
  }

  @Test
  void concurrentUnauthorisedSendsShareOneRefresh() {
    FcmTransport t = transport();
    await(t.send(toToken()));
    fcm.revokeTokens();

    List<CompletionStage<Outcome>> results = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      results.add(t.send(toToken()));
    }
    results.forEach(r -> assertThat(await(r)).isInstanceOf(Outcome.Delivered.class));
    assertThat(fcm.tokenRequestCount()).isEqualTo(2);
  }

  private boolean lastBearerDiffersFrom(String token) {
    List<String> tokens = bearerTokens();
    return !tokens.get(tokens.size() - 1).equals(token);
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met in 10 s");
      }
      Thread.sleep(10);
    }
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      if (!latch.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("latch never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static int closedPort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
