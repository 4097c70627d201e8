package dev.herald.benchmarks.webpush;

import dev.herald.Delivery;
import dev.herald.DeviceTarget;
import dev.herald.webpush.VapidKeys;
import dev.herald.webpush.WebPushTransport;
import dev.herald.webpush.internal.EcP256;
import dev.herald.webpush.internal.PayloadJson;
import dev.herald.webpush.internal.WebPushCipher;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import okhttp3.Request;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-message CPU cost of sending a Web Push message, no network: {@code prepareRequest} is
 * everything {@code send} does before handing the request to OkHttp (policy check, JSON, fresh key
 * pair, ECDH, HKDF, AES-GCM, cached VAPID header, request headers); {@code encryptOnly} is the RFC
 * 8291 encryption of the same payload; {@code jsonOnly} the payload encoding.
 *
 * <p>One transport shared by all benchmark threads, as in production.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class WebPushSendPathBenchmark {
  @Param({"200", "3000"})
  public int payloadBytes;

  private WebPushTransport transport;
  private Delivery delivery;
  private byte[] payload;
  private byte[] uaPublic;
  private byte[] auth;
  private final SecureRandom random = new SecureRandom();

  @Setup(Level.Trial)
  public void setUp() {
    transport = WebPushTransport.builder()
        .vapidKeys(VapidKeys.generate())
        .subject("mailto:push-ops@herald.dev")
        .build();
    DeviceTarget.WebPushSubscription target = WebPushFixtures.subscription();
    delivery = WebPushFixtures.delivery(target, payloadBytes);
    payload = PayloadJson.encode(delivery.content(), delivery.collapseKey(), delivery.notificationId());
    uaPublic = target.p256dhBytes();
    auth = target.authBytes();
    transport.prepareRequest(delivery);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (transport.vapidTokensSigned() != 1) {
      throw new IllegalStateException("VAPID token signed " + transport.vapidTokensSigned() + " times; the cache failed");
    }
    transport.close();
  }

  /** Everything {@code send} does before the network. */
  @Benchmark
  public Request prepareRequest() {
    return transport.prepareRequest(delivery);
  }

  /**
   * RFC 8291 encryption alone (decode the subscriber key, fresh key pair, ECDH, HKDF, AES-GCM). The
   * point is decoded per call as in production: BouncyCastle caches multiplication tables on a
   * point object, so reusing one would understate the cost.
   */
  @Benchmark
  public byte[] encryptOnly() {
    return WebPushCipher.encrypt(payload, 0, EcP256.decodePoint(uaPublic), uaPublic, auth, random);
  }

  /** The default JSON payload alone. */
  @Benchmark
  public byte[] jsonOnly() {
    return PayloadJson.encode(delivery.content(), delivery.collapseKey(), delivery.notificationId());
  }
}
