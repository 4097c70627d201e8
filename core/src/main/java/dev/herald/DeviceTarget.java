package dev.herald;

import dev.herald.InvalidInputException.Problem;
import dev.herald.internal.Checks;
import dev.herald.internal.P256;
import dev.herald.internal.Redact;
import io.vavr.collection.Seq;
import io.vavr.control.Validation;
import java.net.URI;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * One device (or one browser profile) that a transport can deliver to. Values validate at
 * construction and throw {@link InvalidInputException} naming each invalid field; their
 * {@code toString()} never shows a token, endpoint path or key in full.
 *
 * <p>{@link #address()} is the device's identity on its channel: two targets with the same channel
 * and address are the same device.
 */
public sealed interface DeviceTarget {

  /** The channel whose transport delivers to this target. */
  Channel channel();

  /** The kind of identity, stable for storage: {@code fid}, {@code token}, {@code webpush} or {@code custom}. */
  String kind();

  /** The device's identity on its channel (FID, token or endpoint). Secret: never log it in full. */
  String address();

  /** Longest FCM token or installation id Herald accepts. FCM tokens are about 160 characters today. */
  int MAX_FCM_ID_LENGTH = 4096;

  /**
   * A Firebase Installation ID, FCM's recommended device target (the HTTP v1 {@code fid} field).
   *
   * @param fid the installation id the client app reported
   */
  record FcmInstallation(String fid) implements DeviceTarget {
    /** Validates the id. */
    public FcmInstallation {
      Checks.orThrow(validateFcmId("fid", fid), "FCM installation id");
    }

    @Override
    public Channel channel() {
      return Channel.FCM;
    }

    @Override
    public String kind() {
      return "fid";
    }

    @Override
    public String address() {
      return fid;
    }

    @Override
    public String toString() {
      return "FcmInstallation[" + Redact.secret(fid) + "]";
    }
  }

  /**
   * A legacy FCM registration token (the HTTP v1 {@code token} field). Deprecated by Google in favour
   * of installation ids but still what most apps hold.
   *
   * @param token the registration token the client app reported
   */
  record FcmToken(String token) implements DeviceTarget {
    /** Validates the token. */
    public FcmToken {
      Checks.orThrow(validateFcmId("token", token), "FCM registration token");
    }

    @Override
    public Channel channel() {
      return Channel.FCM;
    }

    @Override
    public String kind() {
      return "token";
    }

    @Override
    public String address() {
      return token;
    }

    @Override
    public String toString() {
      return "FcmToken[" + Redact.secret(token) + "]";
    }
  }

  /**
   * A browser's push subscription, as {@code PushSubscription.toJSON()} gives it.
   *
   * <p>Structural checks happen here (absolute http(s) URL, a public key that is a point on P-256,
   * a 16-byte auth secret); which hosts may be sent to is the Web Push transport's endpoint policy.
   *
   * @param endpoint the push service URL; its path is a capability, so it is treated as secret
   * @param p256dh the subscriber's P-256 public key, uncompressed (65 bytes), base64url
   * @param auth the 16-byte authentication secret, base64url
   */
  record WebPushSubscription(String endpoint, String p256dh, String auth) implements DeviceTarget {
    /** Validates all three fields together. */
    public WebPushSubscription {
      check(endpoint, p256dh, auth).throwIfInvalid("web push subscription");
    }

    /** Validates without throwing: every invalid field, or the subscription. */
    public static Validation<Seq<Problem>, WebPushSubscription> validate(String endpoint, String p256dh, String auth) {
      return check(endpoint, p256dh, auth).result(() -> new WebPushSubscription(endpoint, p256dh, auth));
    }

    private static Checks check(String endpoint, String p256dh, String auth) {
      Checks c = Checks.of("");
      if (c.required(endpoint, "endpoint") && c.check(endpoint.length() <= 2048, "endpoint", "must be at most 2048 characters: " + endpoint.length())) {
        URI uri = null;
        try {
          uri = new URI(endpoint);
        } catch (Exception e) {
          c.add("endpoint", "must be an absolute URL: " + Redact.url(endpoint));
        }
        if (uri != null) {
          String scheme = uri.getScheme();
          if (c.check("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme), "endpoint",
              "must be an https URL: " + Redact.url(endpoint))) {
            c.check(uri.getHost() != null && !uri.getHost().isEmpty(), "endpoint", "must name a host: " + Redact.url(endpoint));
          }
        }
      }
      if (c.required(p256dh, "p256dh")) {
        byte[] key = decode(p256dh);
        if (key == null) {
          c.add("p256dh", "must be base64url: " + Redact.secret(p256dh));
        } else if (key.length != 65) {
          c.add("p256dh", "must be a 65-byte uncompressed P-256 point: " + key.length + " bytes");
        } else {
          c.check(P256.isUncompressedPointOnCurve(key), "p256dh", "must be a point on the P-256 curve (uncompressed, 0x04 prefix)");
        }
      }
      if (c.required(auth, "auth")) {
        byte[] secret = decode(auth);
        if (secret == null) {
          c.add("auth", "must be base64url: " + Redact.secret(auth));
        } else {
          c.check(secret.length == 16, "auth", "must be exactly 16 bytes: " + secret.length + " bytes");
        }
      }
      return c;
    }

    /** The subscriber's public key bytes (65, uncompressed). */
    public byte[] p256dhBytes() {
      return decode(p256dh);
    }

    /** The 16-byte authentication secret. */
    public byte[] authBytes() {
      return decode(auth);
    }

    @Override
    public Channel channel() {
      return Channel.WEB_PUSH;
    }

    @Override
    public String kind() {
      return "webpush";
    }

    @Override
    public String address() {
      return endpoint;
    }

    @Override
    public String toString() {
      return "WebPushSubscription[" + Redact.url(endpoint) + "]";
    }

    private static byte[] decode(String b64) {
      try {
        // Browsers emit unpadded base64url; tolerate padding and the standard alphabet too.
        String s = b64.trim().replace('+', '-').replace('/', '_');
        int pad = s.indexOf('=');
        if (pad >= 0) {
          s = s.substring(0, pad);
        }
        return Base64.getUrlDecoder().decode(s);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
  }

  /**
   * A target for a third-party transport (APNs, SMS, e-mail, a webhook): a channel, an address and
   * optional string attributes the transport understands.
   *
   * @param channel the transport's channel
   * @param address the device's identity on that channel, 1 to 4096 printable characters
   * @param attributes extra transport-specific values; copied, never null
   */
  record Custom(Channel channel, String address, Map<String, String> attributes) implements DeviceTarget {
    /** Validates and copies. */
    public Custom {
      Checks c = Checks.of("");
      c.required(channel, "channel");
      if (c.required(address, "address")) {
        c.check(!address.isEmpty() && address.length() <= MAX_FCM_ID_LENGTH && Checks.printable(address),
            "address", "must be 1-4096 printable characters: length " + address.length());
      }
      if (channel != null && (channel.equals(Channel.FCM) || channel.equals(Channel.WEB_PUSH))) {
        c.add("channel", "must not be a built-in channel (use FcmInstallation, FcmToken or WebPushSubscription): " + channel);
      }
      if (attributes != null) {
        attributes.forEach((k, v) -> c.check(k != null && !k.isEmpty() && v != null, "attributes", "must have non-empty keys and non-null values"));
      }
      c.throwIfInvalid("device target");
      attributes = attributes == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(attributes));
    }

    /** A custom target without attributes. */
    public Custom(Channel channel, String address) {
      this(channel, address, Map.of());
    }

    @Override
    public String kind() {
      return "custom";
    }

    @Override
    public String toString() {
      return "Custom[" + channel + ", " + Redact.secret(address) + "]";
    }
  }

  private static Validation<Seq<Problem>, String> validateFcmId(String field, String value) {
    Checks c = Checks.of("");
    if (c.required(value, field)) {
      c.check(!value.isBlank(), field, "must not be empty");
      c.check(value.length() <= MAX_FCM_ID_LENGTH, field, "must be at most " + MAX_FCM_ID_LENGTH + " characters: " + value.length());
      c.check(value.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f), field, "must be printable ASCII without spaces: " + Redact.secret(value));
    }
    return c.result(() -> value);
  }
}
