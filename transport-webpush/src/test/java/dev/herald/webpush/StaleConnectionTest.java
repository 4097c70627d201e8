package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.Outcome;
import dev.herald.testing.IdleClosingHttpServer;
import dev.herald.testing.IdleClosingHttpServer.Behaviour;
import dev.herald.testing.SelfSignedTls;
import dev.herald.testing.webpush.PushSubscriber;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A push service that closes idle keep-alive connections sooner than OkHttp checks them (Node's
 * servers: 5 s; OkHttp: 10 s), played by a real socket server with a 200 ms keep-alive. A send on
 * the connection it closed must go out again at once on a new connection without spending an
 * attempt; a failure on a new connection, after answer bytes, or by timeout must not be resent.
 */
class StaleConnectionTest {
  private static final Duration KEEP_ALIVE = Duration.ofMillis(200);

  private final VapidKeys keys = VapidKeys.generate();
  private IdleClosingHttpServer server;
  private WebPushTransport transport;
  private DeviceTarget.WebPushSubscription subscription;
  private int sends;

  @BeforeEach
  void start() {
    server = new IdleClosingHttpServer(KEEP_ALIVE, r -> new IdleClosingHttpServer.Answer(201, "text/plain", ""));
    transport = WebPushTransport.builder().vapidKeys(keys).subject("mailto:push-ops@herald.dev")
        .endpointPolicy(EndpointPolicy.builder().allowHttp(true).allowLoopback(true).build())
        .connectTimeout(Duration.ofSeconds(2)).callTimeout(Duration.ofSeconds(2)).build();
    subscription = PushSubscriber.generate().subscriptionAt(server.url() + "/push/abc");
  }

  @AfterEach
  void stop() {
    transport.close();
    server.close();
  }

  private Outcome send() throws Exception {
    String key = "reminder-" + (++sends);
    Delivery d = new Delivery(sends, key, 1, subscription, Content.of("Reminder", key), DeliveryOptions.DEFAULTS,
        CollapseKeys.fromIdempotencyKey(key), null);
    return transport.send(d).toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** One delivered send, then the server closes that connection as idle while the client still pools it. */
  private void pooledConnectionGoesStale() throws Exception {
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    server.awaitIdleClose(Duration.ofSeconds(10));
  }

  @Test
  void sendOnAConnectionTheServerClosedGoesOutAgainAtOnceOnANewOne() throws Exception {
    pooledConnectionGoesStale();
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    assertThat(transport.staleConnectionResends()).isEqualTo(1);
    assertThat(server.connections()).isEqualTo(2);
    assertThat(server.received()).hasSize(2); // the write to the closed connection never reached it
    // And again: the resend's connection was not pooled, the next send opens its own.
    pooledConnectionGoesStale();
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    assertThat(transport.staleConnectionResends()).isEqualTo(2);
  }

  @Test
  void sendOnAConnectionTheServerResetGoesOutAgainAtOnceOnANewOne() throws Exception {
    server.close();
    server = new IdleClosingHttpServer(KEEP_ALIVE, true, r -> new IdleClosingHttpServer.Answer(201, "text/plain", ""));
    subscription = PushSubscriber.generate().subscriptionAt(server.url() + "/push/abc");
    pooledConnectionGoesStale();
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    assertThat(transport.staleConnectionResends()).isEqualTo(1);
    assertThat(server.received()).hasSize(2);
  }

  @Test
  void resetAfterAnswerBytesOnAPooledConnectionIsNotResent() throws Exception {
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    server.script(Behaviour.RESET_AFTER_PARTIAL_ANSWER);
    assertThat(send()).isInstanceOf(Outcome.Retry.class);
    assertThat(transport.staleConnectionResends()).isZero();
    assertThat(server.received()).hasSize(2);
  }

  @Test
  void overTlsASendOnAConnectionTheServerClosedGoesOutAgainAtOnce(@TempDir Path dir) throws Exception {
    // The production path: a TLS server closes an idle connection with close_notify before the TCP close.
    SelfSignedTls tls = SelfSignedTls.create(dir);
    transport.close();
    server.close();
    server = new IdleClosingHttpServer(KEEP_ALIVE, false, tls.server(),
        r -> new IdleClosingHttpServer.Answer(201, "text/plain", ""));
    transport = WebPushTransport.builder().vapidKeys(keys).subject("mailto:push-ops@herald.dev")
        .endpointPolicy(EndpointPolicy.builder().allowLoopback(true).build())
        .okHttpClient(new OkHttpClient.Builder().sslSocketFactory(tls.client().getSocketFactory(), tls.trustManager())
            .build())
        .connectTimeout(Duration.ofSeconds(2)).callTimeout(Duration.ofSeconds(5)).build();
    subscription = PushSubscriber.generate().subscriptionAt(server.url() + "/push/abc");
    pooledConnectionGoesStale();
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    assertThat(transport.staleConnectionResends()).isEqualTo(1);
    assertThat(server.received()).hasSize(2);
    // And not after answer bytes over TLS either.
    server.script(Behaviour.CLOSE_AFTER_PARTIAL_ANSWER);
    assertThat(send()).isInstanceOf(Outcome.Retry.class);
    assertThat(transport.staleConnectionResends()).isEqualTo(1);
  }

  @Test
  void failureOnANewConnectionIsNotResent() throws Exception {
    server.script(Behaviour.CLOSE_WITHOUT_ANSWER);
    Outcome o = send();
    assertThat(o).isInstanceOf(Outcome.Retry.class);
    assertThat(transport.staleConnectionResends()).isZero();
    assertThat(server.received()).hasSize(1);
  }

  @Test
  void failureAfterAnswerBytesOnAPooledConnectionIsNotResent() throws Exception {
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    server.script(Behaviour.CLOSE_AFTER_PARTIAL_ANSWER);
    assertThat(send()).isInstanceOf(Outcome.Retry.class);
    assertThat(transport.staleConnectionResends()).isZero();
    assertThat(server.received()).hasSize(2);
  }

  @Test
  void timeoutOnAPooledConnectionIsNotResent() throws Exception {
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    server.script(Behaviour.HANG);
    Outcome o = send();
    assertThat(o).isInstanceOf(Outcome.Retry.class);
    assertThat(((Outcome.Retry) o).reason()).startsWith("timeout");
    assertThat(transport.staleConnectionResends()).isZero();
    assertThat(server.received()).hasSize(2);
  }

  @Test
  void resendIsOnceEvenWhenTheNewConnectionFailsToo() throws Exception {
    pooledConnectionGoesStale();
    server.script(Behaviour.CLOSE_WITHOUT_ANSWER); // the resend, on its new connection
    assertThat(send()).isInstanceOf(Outcome.Retry.class);
    assertThat(transport.staleConnectionResends()).isEqualTo(1);
    assertThat(server.received()).hasSize(2);
  }

  @Test
  void requestDroppedWithoutAByteOfAnswerOnAPooledConnectionIsSentOnceMore() throws Exception {
    // The one case that cannot be told from a stale connection: the server read the request and
    // closed without answering. It is sent once more (the display tag hides a repeat on screen).
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    server.script(Behaviour.CLOSE_WITHOUT_ANSWER);
    assertThat(send()).isInstanceOf(Outcome.Delivered.class);
    assertThat(transport.staleConnectionResends()).isEqualTo(1);
    assertThat(server.received()).hasSize(3);
  }
}
