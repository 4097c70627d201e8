package dev.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.Outcome;
import dev.herald.testing.IdleClosingHttpServer;
import dev.herald.testing.IdleClosingHttpServer.Answer;
import dev.herald.testing.IdleClosingHttpServer.Behaviour;
import dev.herald.testing.IdleClosingHttpServer.Received;
import dev.herald.testing.SelfSignedTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FCM behind a front end that closes idle keep-alive connections sooner than OkHttp checks them,
 * played by a real socket server (HTTP/1.1, 200 ms keep-alive) that also issues the OAuth2 token.
 * A send on the connection it closed must go out again at once on a new connection without spending
 * an attempt; a failure on a new connection, after answer bytes, or by timeout must not be resent
 * (OkHttp would resend it by itself if the body let it).
 */
class StaleConnectionTest {
  private static final Duration KEEP_ALIVE = Duration.ofMillis(200);
  private static final String TOKEN = "dXNlci10b2tlbi1mb3ItdGVzdHM:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx";

  private IdleClosingHttpServer server;
  private FcmTransport transport;
  private int sends;

  @BeforeEach
  void start() {
    server = server(false);
    transport = transport();
  }

  private static IdleClosingHttpServer server(boolean resetIdle) {
    return new IdleClosingHttpServer(KEEP_ALIVE, resetIdle, r -> r.path().equals("/token")
        ? new Answer(200, "application/json", "{\"access_token\":\"ya29.test\",\"expires_in\":3599,\"token_type\":\"Bearer\"}")
        : new Answer(200, "application/json", "{\"name\":\"projects/demo-project/messages/" + r.connection() + "\"}"));
  }

  private FcmTransport transport() {
    return FcmTransport.builder().serviceAccount(TestKeys.account(server.url() + "/token")).baseUrl(server.url())
        .requestTimeout(Duration.ofSeconds(2)).build();
  }

  @AfterEach
  void stop() {
    transport.close();
    server.close();
  }

  private Outcome send() throws Exception {
    String key = "reminder-" + (++sends);
    Delivery d = new Delivery(sends, key, 1, new DeviceTarget.FcmToken(TOKEN), Content.of("Reminder", key),
        DeliveryOptions.DEFAULTS, CollapseKeys.fromIdempotencyKey(key), null);
    return transport.send(d).toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private List<Received> sendRequests() {
    return server.received().stream().filter(r -> r.path().endsWith("/messages:send")).toList();
  }

  /** The token and a delivered send, then the server closes that connection as idle while the client pools it. */
  private void pooledConnectionGoesStale() throws Exception {
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    server.awaitIdleClose(Duration.ofSeconds(10));
  }

  @Test
  void sendOnAConnectionTheServerClosedGoesOutAgainAtOnceOnANewOne() throws Exception {
    pooledConnectionGoesStale();
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    assertThat(transport.staleConnectionResends()).isEqualTo(1);
    assertThat(sendRequests()).hasSize(2); // the write to the closed connection never reached it
    pooledConnectionGoesStale();
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    assertThat(transport.staleConnectionResends()).isEqualTo(2);
  }

  @Test
  void sendOnAConnectionTheServerResetGoesOutAgainAtOnceOnANewOne() throws Exception {
    transport.close();
    server.close();
    server = server(true);
    transport = transport();
    pooledConnectionGoesStale();
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    assertThat(transport.staleConnectionResends()).isEqualTo(1);
    assertThat(sendRequests()).hasSize(2);
  }

  @Test
  void overTlsASendOnAConnectionTheServerClosedGoesOutAgainAtOnce(@TempDir Path dir) throws Exception {
    // A TLS front end (HTTP/1.1, no ALPN) closes an idle connection with close_notify before the TCP close.
    SelfSignedTls tls = SelfSignedTls.create(dir);
    transport.close();
    server.close();
    server = new IdleClosingHttpServer(KEEP_ALIVE, false, tls.server(), r -> r.path().equals("/token")
        ? new Answer(200, "application/json", "{\"access_token\":\"ya29.test\",\"expires_in\":3599,\"token_type\":\"Bearer\"}")
        : new Answer(200, "application/json", "{\"name\":\"projects/demo-project/messages/1\"}"));
    transport = FcmTransport.builder().serviceAccount(TestKeys.account(server.url() + "/token")).baseUrl(server.url())
        .okHttpClient(new OkHttpClient.Builder().sslSocketFactory(tls.client().getSocketFactory(), tls.trustManager())
            .build())
        .requestTimeout(Duration.ofSeconds(5)).build();
    pooledConnectionGoesStale();
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    assertThat(transport.staleConnectionResends()).isEqualTo(1);
    assertThat(sendRequests()).hasSize(2);
  }

  @Test
  void failureOnANewConnectionIsNotResent() throws Exception {
    assertThat(send()).isInstanceOf(Outcome.Delivered.class); // token and first send share a connection
    transport.close();
    transport = transport(); // a new transport: its own pool, so its first send opens a connection
    // Its token on a connection the server then closes, so that its send opens a new one, which fails.
    server.script(Behaviour.ANSWER_AND_CLOSE, Behaviour.CLOSE_WITHOUT_ANSWER);
    assertThat(send()).isInstanceOf(Outcome.Retry.class);
    assertThat(transport.staleConnectionResends()).isZero();
    assertThat(sendRequests()).hasSize(2);
  }

  @Test
  void failureAfterAnswerBytesOnAPooledConnectionIsNotResent() throws Exception {
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    for (Behaviour b : new Behaviour[] {Behaviour.CLOSE_AFTER_PARTIAL_ANSWER, Behaviour.RESET_AFTER_PARTIAL_ANSWER}) {
      assertThat(send()).isInstanceOf(Outcome.Delivered.class); // a pooled connection again
      server.script(b);
      assertThat(send()).as(b.toString()).isInstanceOf(Outcome.Retry.class);
    }
    assertThat(transport.staleConnectionResends()).isZero();
    assertThat(sendRequests()).hasSize(5);
  }

  @Test
  void timeoutOnAPooledConnectionIsNotResent() throws Exception {
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    server.script(Behaviour.HANG);
    assertThat(send()).isInstanceOf(Outcome.Retry.class);
    assertThat(transport.staleConnectionResends()).isZero();
    assertThat(sendRequests()).hasSize(2);
  }

  @Test
  void resendIsOnceEvenWhenTheNewConnectionFailsToo() throws Exception {
    pooledConnectionGoesStale();
    server.script(Behaviour.CLOSE_WITHOUT_ANSWER); // the resend, on its new connection
    assertThat(send()).isInstanceOf(Outcome.Retry.class);
    assertThat(transport.staleConnectionResends()).isEqualTo(1);
    assertThat(sendRequests()).hasSize(2);
  }
}
