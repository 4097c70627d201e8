package dev.herald.benchmarks.webpush;

import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.webpush.internal.PayloadJson;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/** A realistic subscription and a delivery whose JSON payload has an exact size. */
public final class WebPushFixtures {
  /** The shape of an FCM endpoint, so the default endpoint policy applies unchanged. */
  public static final String ENDPOINT = "https://fcm.googleapis.com/fcm/send/"
      + "dQw4w9WgXcQ:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx_ZlnT8QpuY4iZ2CwlwtGD9Kjn8aPMsn3ec3TKzH2O-ceqgH7Hc9pYfQk";
  /** The idempotency key every fixture delivery carries. */
  public static final String KEY = "benchmark-notification-1";

  private WebPushFixtures() {}

  /** A browser-like subscription with a fresh key pair and auth secret. */
  public static DeviceTarget.WebPushSubscription subscription() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair kp = g.generateKeyPair();
      ECPublicKey pub = (ECPublicKey) kp.getPublic();
      byte[] point = new byte[65];
      point[0] = 4;
      put(pub.getW().getAffineX().toByteArray(), point, 1);
      put(pub.getW().getAffineY().toByteArray(), point, 33);
      byte[] auth = new byte[16];
      new SecureRandom().nextBytes(auth);
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      return new DeviceTarget.WebPushSubscription(ENDPOINT, b64.encodeToString(point), b64.encodeToString(auth));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A delivery whose default JSON payload (title, body, data with the id, tag) is exactly {@code payloadBytes} octets. */
  public static Delivery delivery(DeviceTarget target, int payloadBytes) {
    String collapseKey = CollapseKeys.fromIdempotencyKey(KEY);
    int overhead = PayloadJson.encode(Content.of("Order shipped", ""), collapseKey, collapseKey).length;
    if (payloadBytes < overhead) {
      throw new IllegalArgumentException("payloadBytes must be at least " + overhead + ": " + payloadBytes);
    }
    Content content = Content.of("Order shipped", "x".repeat(payloadBytes - overhead));
    int actual = PayloadJson.encode(content, collapseKey, collapseKey).length;
    if (actual != payloadBytes) {
      throw new IllegalStateException("payload is " + actual + " octets, wanted " + payloadBytes);
    }
    return new Delivery(1, KEY, 1, target, content, DeliveryOptions.DEFAULTS, collapseKey, null);
  }

  private static void put(byte[] raw, byte[] out, int offset) {
    int n = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - n, out, offset + 32 - n, n);
  }
}
