package dev.herald.benchmarks.webpush.peer;

import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.webpush.VapidKeys;
import dev.herald.webpush.WebPushTransport;
import dev.herald.webpush.internal.PayloadJson;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Security;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import nl.martijndwars.webpush.Encoding;
import nl.martijndwars.webpush.Notification;
import nl.martijndwars.webpush.PushService;
import org.apache.http.client.methods.HttpPost;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
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
 * One Web Push message prepared for sending, without the network, by Herald and by
 * {@code nl.martijndwars:web-push} 5.1.2, same subscription, same VAPID keys, same payload size.
 *
 * <p>{@code herald}: {@code WebPushTransport.prepareRequest(delivery)} — endpoint policy, JSON
 * payload of exactly {@code payloadBytes} octets, RFC 8291 encryption, cached VAPID header, TTL,
 * Urgency, Topic, Content-Encoding, Content-Type. {@code peer}: {@code new Notification(endpoint,
 * p256dh, auth, payload)} + {@code PushService.preparePost(notification, Encoding.AES128GCM)} on a
 * ready-made payload of the same size (so the peer does not pay for JSON; Herald does).
 *
 * <p>Both objects are shared by the benchmark threads, as an application would share them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class WebPushVersusPeerBenchmark {
  private static final String ENDPOINT = "https://fcm.googleapis.com/fcm/send/"
      + "dQw4w9WgXcQ:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx_ZlnT8QpuY4iZ2CwlwtGD9Kjn8aPMsn3ec3TKzH2O-ceqgH7Hc9pYfQk";
  private static final String KEY = "benchmark-notification-1";
  private static final String SUBJECT = "mailto:push-ops@herald.dev";

  @Param({"200", "3000"})
  public int payloadBytes;

  private WebPushTransport herald;
  private Delivery delivery;
  private PushService peer;
  private String p256dh;
  private String auth;
  private byte[] payload;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    // The peer looks up the "BC" provider by name.
    Security.addProvider(new BouncyCastleProvider());
    VapidKeys vapid = VapidKeys.generate();

    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair browser = g.generateKeyPair();
    byte[] authBytes = new byte[16];
    new SecureRandom().nextBytes(authBytes);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    p256dh = b64.encodeToString(uncompressed((ECPublicKey) browser.getPublic()));
    auth = b64.encodeToString(authBytes);
    DeviceTarget.WebPushSubscription subscription = new DeviceTarget.WebPushSubscription(ENDPOINT, p256dh, auth);

    herald = WebPushTransport.builder().vapidKeys(vapid).subject(SUBJECT).build();
    String collapseKey = CollapseKeys.fromIdempotencyKey(KEY);
    int overhead = PayloadJson.encode(Content.of("Order shipped", ""), collapseKey, collapseKey).length;
    Content content = Content.of("Order shipped", "x".repeat(payloadBytes - overhead));
    delivery = new Delivery(1, KEY, 1, subscription, content, DeliveryOptions.DEFAULTS, collapseKey, null);
    if (PayloadJson.encode(content, collapseKey, collapseKey).length != payloadBytes) {
      throw new IllegalStateException("Herald payload is not " + payloadBytes + " octets");
    }

    peer = new PushService(vapid.publicKeyBase64Url(), vapid.privateKeyBase64Url(), SUBJECT);
    payload = new byte[payloadBytes];
    new SecureRandom().nextBytes(payload);
    // Fail fast if either side cannot do the work at all.
    herald();
    peer();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    herald.close();
  }

  @Benchmark
  public Object herald() {
    return herald.prepareRequest(delivery);
  }

  @Benchmark
  public HttpPost peer() throws Exception {
    return peer.preparePost(new Notification(ENDPOINT, p256dh, auth, payload), Encoding.AES128GCM);
  }

  private static byte[] uncompressed(ECPublicKey key) {
    byte[] out = new byte[65];
    out[0] = 4;
    byte[] x = key.getW().getAffineX().toByteArray();
    byte[] y = key.getW().getAffineY().toByteArray();
    System.arraycopy(x, Math.max(0, x.length - 32), out, 1 + 32 - Math.min(32, x.length), Math.min(32, x.length));
    System.arraycopy(y, Math.max(0, y.length - 32), out, 33 + 32 - Math.min(32, y.length), Math.min(32, y.length));
    return out;
  }
}
