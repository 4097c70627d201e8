package dev.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.Channel;
import dev.herald.Outcome;
import dev.herald.testing.Reply;
import dev.herald.testing.fcm.FcmRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

class FcmTransportTest extends FcmTestSupport {

  @Test
  void servesTheFcmChannel() {
    assertThat(transport().channel()).isEqualTo(Channel.FCM);
  }

  @Test
  void sendsOverHttp2() {
    assertThat(await(transport().send(toToken()))).isInstanceOf(Outcome.Delivered.class);
    assertThat(fcm.requests()).extracting(FcmRequest::httpVersion).containsExactly("HTTP/2");
  }

  @Test
  void requestsInFlightAreBoundedByMaxInFlight() {
    FcmTransport t = track(builder().maxInFlight(4).build());
    await(t.send(toToken())); // token first, so the burst below is pure sends
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    fcm.answerWith(r -> {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      inFlight.decrementAndGet();
      return Reply.accept();
    });

    List<CompletionStage<Outcome>> results = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      results.add(t.send(toToken()));
    }
    results.forEach(r -> assertThat(await(r)).isInstanceOf(Outcome.Delivered.class));
    assertThat(maxInFlight.get()).isEqualTo(4);
  }

  @Test
  void connectionFailureIsRetry() {
    FcmTransport t = track(builder().baseUrl("http://127.0.0.1:" + FcmAccessTokenTest.closedPort()).build());
    Outcome o = await(t.send(toToken()));
    assertThat(o).isInstanceOf(Outcome.Retry.class);
    assertThat(o.rawCode()).isNull();
    assertThat(((Outcome.Retry) o).reason()).startsWith("I/O ConnectException");
  }

  @Test
  void streamResetDuringTheResponseIsRetry() {
    fcm.answerWith(r -> Reply.accept().cutMidBody());
    Outcome o = await(transport().send(toToken()));
    assertThat(o).isInstanceOf(Outcome.Retry.class);
    assertThat(o.rawCode()).isNull();
    assertThat(((Outcome.Retry) o).reason()).isEqualTo("I/O reading the FCM response: StreamResetException");
  }

  @Test
  void timeoutIsRetry() {
    FcmTransport t = track(builder().requestTimeout(java.time.Duration.ofMillis(300)).build());
    await(t.send(toToken()));
    fcm.answerWith(r -> Reply.accept().after(java.time.Duration.ofSeconds(3)));
    Outcome o = await(t.send(toToken()));
    assertThat(o).isInstanceOf(Outcome.Retry.class);
    assertThat(((Outcome.Retry) o).reason()).startsWith("I/O InterruptedIOException");
  }

  @Test
  void proxyErrorPageIsRetryWithTheHttpStatus() {
    fcm.answerWith(r -> Reply.status(502).withBody("<html>Bad Gateway</html>"));
    Outcome o = await(transport().send(toToken()));
    assertThat(o).isEqualTo(new Outcome.Retry(null, "502", "FCM 502 502"));
  }

  @Test
  void acceptedMessageWithoutANameIsStillDelivered() {
    fcm.answerWith(r -> Reply.status(200).withBody("not json"));
    assertThat(await(transport().send(toToken()))).isEqualTo(new Outcome.Delivered(null));
  }

  @Test
  void closeIsIdempotentAndSendingAfterItSaysSo() {
    FcmTransport t = transport();
    t.close();
    t.close();
    assertThatThrownBy(() -> t.send(toToken())).isInstanceOf(IllegalStateException.class)
        .hasMessage("FcmTransport is closed; build a new one to send again");
    assertThatThrownBy(() -> t.sendToTopic("news", "k", dev.herald.Content.of("t", "b"), dev.herald.DeliveryOptions.DEFAULTS))
        .isInstanceOf(IllegalStateException.class);
    assertThat(t.toString()).endsWith(", closed]");
  }

  @Test
  void callersClientKeepsItsConnectionsAfterClose() {
    OkHttpClient shared = new OkHttpClient();
    FcmTransport t = track(builder().okHttpClient(shared).build());
    await(t.send(toToken()));
    assertThat(shared.connectionPool().connectionCount()).isPositive();
    t.close();
    assertThat(shared.connectionPool().connectionCount()).isPositive();
    shared.connectionPool().evictAll();
  }

  @Test
  void secretsNeverAppearInToStringsOrOutcomes() {
    FcmTransport t = transport();
    await(t.send(toToken()));
    String accessToken = bearerTokens().get(0);
    fcm.answerWith(r -> fixture("invalid-token"));
    Outcome o = await(t.send(toToken()));

    String keyText = java.util.Base64.getEncoder().encodeToString(TestKeys.privateKey().getEncoded()).substring(0, 32);
    for (String s : List.of(t.toString(), o.toString(), toToken().toString(), TestKeys.account("https://x.example/t").toString())) {
      assertThat(s).doesNotContain(accessToken, accessToken.substring(0, 20), DEVICE_TOKEN, DEVICE_TOKEN.substring(0, 20), keyText);
    }
    dev.herald.fcm.internal.AccessToken token = new dev.herald.fcm.internal.AccessToken(accessToken,
        clock.instant(), clock.instant());
    assertThat(token.toString()).doesNotContain(accessToken.substring(0, 20));
  }
}
