package dev.herald;

import dev.herald.internal.Checks;
import dev.herald.internal.P256;
import dev.herald.internal.Redact;
import dev.herald.internal.Texts;
import java.net.URI;
import java.util.Base64;
import java.util.Locale;
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

  /**
   * The name of the sender credential this device was registered under (the VAPID key pair a
   * browser subscribed with, the FCM service account of the app), or null for the transport's
   * default (its only credential). Not secret: a name the host chose, not the credential.
   */
  default String credential() {
    return null;
  }

  /** Longest credential name. */
  int MAX_CREDENTIAL_NAME = 64;

  /**
   * Whether {@code name} can name a credential: 1 to {@value #MAX_CREDENTIAL_NAME} of
   * {@code [A-Za-z0-9_.-]}, starting with a letter or digit.
   */
  static boolean validCredentialName(String name) {
    return name != null && CREDENTIAL_NAME.matcher(name).matches();
  }

  /** What {@link #validCredentialName} accepts. */
  java.util.regex.Pattern CREDENTIAL_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0," + (MAX_CREDENTIAL_NAME - 1) + "}");

  /**
   * The platform of an FCM device, where the app knows it: FCM sends to Android directly, to iOS
   * through APNs (whose credentials live in the Firebase project and fail on their own) and to
   * browsers through Web Push, so the platform is part of a delivery's {@link Scope}.
   */
  enum Platform {
    /** An Android app. */
    ANDROID,
    /** An iOS or iPadOS app (FCM sends through APNs). */
    IOS,
    /** A web app using the Firebase JavaScript SDK. */
    WEB;

    /** The lower-case name used in scope names: {@code android}, {@code ios}, {@code web}. */
    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Longest FCM token or installation id Herald accepts. FCM tokens are about 160 characters today. */
  int MAX_FCM_ID_LENGTH = 4096;

  /**
   * A Firebase Installation ID, FCM's recommended device target (the HTTP v1 {@code fid} field).
   *
   * <pre>{@code
   * new DeviceTarget.FcmInstallation(fid)                        // the transport's only service account
   * new DeviceTarget.FcmInstallation(fid).withServiceAccount("staff").withPlatform(Platform.IOS)
   * }</pre>
   *
   * @param fid the installation id the client app reported
   * @param serviceAccount the name of the FCM transport's service account (the app's Firebase
   *     project) to send with, or null for its default
   * @param platform the device's platform where the app reported it, or null
   */
  record FcmInstallation(String fid, String serviceAccount, Platform platform) implements DeviceTarget {
    /** Validates the id and the service account's name. */
    public FcmInstallation {
      Checks c = Checks.of("");
      c.merge(validateFcmId("fid", fid));
      checkCredential(c, "serviceAccount", serviceAccount);
      c.throwIfInvalid("FCM installation id");
    }

    /** An installation id sent with the transport's default service account, platform unknown. */
    public FcmInstallation(String fid) {
      this(fid, null, null);
    }

    /** A copy registered under the named service account (null: the transport's default). */
    public FcmInstallation withServiceAccount(String name) {
      return new FcmInstallation(fid, name, platform);
    }

    /** A copy that knows the device's platform (null: unknown). */
    public FcmInstallation withPlatform(Platform newPlatform) {
      return new FcmInstallation(fid, serviceAccount, newPlatform);
    }

    @Override
    public String credential() {
      return serviceAccount;
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
      return "FcmInstallation[" + Redact.secret(fid) + extras(serviceAccount, platform) + "]";
    }
  }

  /**
   * A legacy FCM registration token (the HTTP v1 {@code token} field). Deprecated by Google in favour
   * of installation ids but still what most apps hold.
   *
   * @param token the registration token the client app reported
   * @param serviceAccount the name of the FCM transport's service account (the app's Firebase
   *     project) to send with, or null for its default
   * @param platform the device's platform where the app reported it, or null
   */
  record FcmToken(String token, String serviceAccount, Platform platform) implements DeviceTarget {
    /** Validates the token and the service account's name. */
    public FcmToken {
      Checks c = Checks.of("");
      c.merge(validateFcmId("token", token));
      checkCredential(c, "serviceAccount", serviceAccount);
      c.throwIfInvalid("FCM registration token");
    }

    /** A token sent with the transport's default service account, platform unknown. */
    public FcmToken(String token) {
      this(token, null, null);
    }

    /** A copy registered under the named service account (null: the transport's default). */
    public FcmToken withServiceAccount(String name) {
      return new FcmToken(token, name, platform);
    }

    /** A copy that knows the device's platform (null: unknown). */
    public FcmToken withPlatform(Platform newPlatform) {
      return new FcmToken(token, serviceAccount, newPlatform);
    }

    @Override
    public String credential() {
      return serviceAccount;
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
      return "FcmToken[" + Redact.secret(token) + extras(serviceAccount, platform) + "]";
    }
  }

  /**
   * A browser's push subscription, as {@code PushSubscription.toJSON()} gives it.
   *
   * <p>Structural checks happen here (absolute http(s) URL, a public key that is a point on P-256,
   * a 16-byte auth secret, each key at most {@value #MAX_KEY_CHARS} characters with padding only at
   * its end); which hosts may be sent to is the Web Push transport's endpoint policy.
   *
   * <p>The endpoint is kept in canonical form, which is the device's identity: scheme and host in
   * lower case and the scheme's default port left out (RFC 3986 §6.2.2.1, §6.2.3), so
   * {@code https://FCM.GoogleAPIs.com:443/fcm/send/x} and {@code https://fcm.googleapis.com/fcm/send/x}
   * are one device. The path and query, the push service's capability, are kept exactly.
   *
   * <p>A browser subscribes with one application server key; a host with several VAPID key pairs
   * (a rotation, several sites) names the one the subscription was made with, so that it is always
   * sent with that key: {@code new WebPushSubscription(endpoint, p256dh, auth).withVapidKey("2027")}.
   *
   * @param endpoint the push service URL; its path is a capability, so it is treated as secret
   * @param p256dh the subscriber's P-256 public key, uncompressed (65 bytes), base64url
   * @param auth the 16-byte authentication secret, base64url
   * @param vapidKey the name of the Web Push transport's VAPID key pair the subscription was made
   *     with, or null for its default
   */
  record WebPushSubscription(String endpoint, String p256dh, String auth, String vapidKey) implements DeviceTarget {
    /** Longest {@code p256dh} or {@code auth} string accepted (65 bytes take 88 base64 characters). */
    public static final int MAX_KEY_CHARS = 100;

    /** Validates every field together and puts the endpoint in canonical form. */
    public WebPushSubscription {
      Checks c = check(endpoint, p256dh, auth);
      checkCredential(c, "vapidKey", vapidKey);
      c.throwIfInvalid("web push subscription");
      endpoint = canonical(endpoint);
    }

    /** A subscription made with the transport's default VAPID key pair. */
    public WebPushSubscription(String endpoint, String p256dh, String auth) {
      this(endpoint, p256dh, auth, null);
    }

    /** A copy made with the named VAPID key pair (null: the transport's default). */
    public WebPushSubscription withVapidKey(String name) {
      return new WebPushSubscription(endpoint, p256dh, auth, name);
    }

    @Override
    public String credential() {
      return vapidKey;
    }

    /**
     * The push service's origin, {@code scheme://host[:port]} in canonical form: what a VAPID token's
     * audience is, and the first part of the subscription's {@link Scope}.
     */
    public String origin() {
      String rest = endpoint.substring(endpoint.indexOf("://") + 3);
      int end = rest.length();
      for (int i = 0; i < rest.length(); i++) {
        char ch = rest.charAt(i);
        if (ch == '/' || ch == '?' || ch == '#') {
          end = i;
          break;
        }
      }
      String authority = rest.substring(0, end);
      int at = authority.lastIndexOf('@');
      return endpoint.substring(0, endpoint.indexOf("://") + 3) + (at < 0 ? authority : authority.substring(at + 1));
    }

    /**
     * The endpoint in the canonical form this class keeps: scheme and host lower case, default port
     * dropped, the rest unchanged. Only for an endpoint that passed validation.
     */
    private static String canonical(String endpoint) {
      URI uri = URI.create(endpoint);
      String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
      int port = uri.getPort();
      boolean defaultPort = port == -1 || ("https".equals(scheme) && port == 443) || ("http".equals(scheme) && port == 80);
      String userInfo = uri.getRawUserInfo();
      // Everything after the authority, byte for byte as given.
      String rest = endpoint.substring(endpoint.indexOf("://") + 3);
      int slash = -1;
      for (int i = 0; i < rest.length(); i++) {
        char ch = rest.charAt(i);
        if (ch == '/' || ch == '?' || ch == '#') {
          slash = i;
          break;
        }
      }
      String tail = slash < 0 ? "" : rest.substring(slash);
      return scheme + "://" + (userInfo == null ? "" : userInfo + "@") + uri.getHost().toLowerCase(Locale.ROOT)
          + (defaultPort ? "" : ":" + port) + tail;
    }

    /** Validates without throwing: every invalid field, or the subscription. */
    public static Validated<WebPushSubscription> validate(String endpoint, String p256dh, String auth) {
      return check(endpoint, p256dh, auth).result(() -> new WebPushSubscription(endpoint, p256dh, auth));
    }

    private static Checks check(String endpoint, String p256dh, String auth) {
      Checks c = Checks.of("");
      if (c.required(endpoint, "endpoint") && c.check(endpoint.length() <= 2048, "endpoint", "must be at most 2048 characters: " + endpoint.length())
          && c.check(Texts.wellFormed(endpoint), "endpoint", "must not contain unpaired surrogates: " + Redact.url(endpoint))) {
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
      if (c.required(p256dh, "p256dh") && checkKeyText(c, "p256dh", p256dh)) {
        byte[] key = decode(p256dh);
        if (key == null) {
          c.add("p256dh", "must be base64url: " + Redact.secret(p256dh));
        } else if (key.length != 65) {
          c.add("p256dh", "must be a 65-byte uncompressed P-256 point: " + key.length + " bytes");
        } else {
          c.check(P256.isUncompressedPointOnCurve(key), "p256dh", "must be a point on the P-256 curve (uncompressed, 0x04 prefix)");
        }
      }
      if (c.required(auth, "auth") && checkKeyText(c, "auth", auth)) {
        byte[] secret = decode(auth);
        if (secret == null) {
          c.add("auth", "must be base64url: " + Redact.secret(auth));
        } else {
          c.check(secret.length == 16, "auth", "must be exactly 16 bytes: " + secret.length + " bytes");
        }
      }
      return c;
    }

    /**
     * A key as browsers send it: base64 (either alphabet), padding only at the end, bounded, so
     * that what is stored is what was checked.
     */
    private static boolean checkKeyText(Checks c, String field, String value) {
      if (!c.check(value.length() <= MAX_KEY_CHARS, field, "must be at most " + MAX_KEY_CHARS + " characters: "
          + value.length())) {
        return false;
      }
      String s = value.trim();
      int pad = s.indexOf('=');
      boolean padOk = pad < 0 || (s.length() - pad <= 2 && s.substring(pad).chars().allMatch(ch -> ch == '='));
      return c.check(padOk, field, "must be base64url with padding only at its end: " + Redact.secret(value));
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
      return "WebPushSubscription[" + Redact.url(endpoint) + (vapidKey == null ? "" : ", vapidKey=" + vapidKey) + "]";
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
   * @param address the device's identity on that channel, 1 to 4096 characters without control or
   *     format characters or unpaired surrogates
   * @param attributes extra transport-specific values; copied, never null
   */
  record Custom(Channel channel, String address, Map<String, String> attributes) implements DeviceTarget {
    /** Validates and copies. */
    public Custom {
      Checks c = Checks.of("");
      c.required(channel, "channel");
      if (c.required(address, "address")) {
        c.check(!address.isEmpty() && address.length() <= MAX_FCM_ID_LENGTH && Checks.identifier(address),
            "address", "must be 1-4096 characters without control or format characters or unpaired surrogates: length "
                + address.length());
      }
      if (channel != null && (channel.equals(Channel.FCM) || channel.equals(Channel.WEB_PUSH))) {
        c.add("channel", "must not be a built-in channel (use FcmInstallation, FcmToken or WebPushSubscription): " + channel);
      }
      if (attributes != null) {
        attributes.forEach((k, v) -> c.check(k != null && !k.isEmpty() && v != null && Texts.wellFormed(k)
            && Texts.wellFormed(v), "attributes", "must have non-empty keys and non-null values without unpaired surrogates"));
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

  private static void checkCredential(Checks c, String field, String name) {
    if (name != null) {
      c.check(validCredentialName(name), field, "must be 1-" + MAX_CREDENTIAL_NAME
          + " of [A-Za-z0-9_.-] starting with a letter or digit: " + Redact.quote(name, 70));
    }
  }

  private static String extras(String credential, Platform platform) {
    return (credential == null ? "" : ", serviceAccount=" + credential) + (platform == null ? "" : ", " + platform.code());
  }

  private static Validated<String> validateFcmId(String field, String value) {
    Checks c = Checks.of("");
    if (c.required(value, field)) {
      c.check(!value.isBlank(), field, "must not be empty");
      c.check(value.length() <= MAX_FCM_ID_LENGTH, field, "must be at most " + MAX_FCM_ID_LENGTH + " characters: " + value.length());
      c.check(value.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f), field, "must be printable ASCII without spaces: " + Redact.secret(value));
    }
    return c.result(() -> value);
  }
}
