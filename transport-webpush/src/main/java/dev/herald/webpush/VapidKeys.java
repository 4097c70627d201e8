package dev.herald.webpush;

import dev.herald.InvalidInputException;
import dev.herald.internal.Checks;
import dev.herald.internal.Redact;
import dev.herald.webpush.internal.EcP256;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Null;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * The application server's VAPID key pair (RFC 8292): a P-256 key that signs the JWT the push
 * service checks, and whose public half the browser received as {@code applicationServerKey} when
 * it subscribed. Keep the private half secret and stable: every subscription is bound to it.
 *
 * <p>Every way in validates: the public key must be a point on P-256 and must be the private key's
 * own public key; a failure throws {@link InvalidInputException} naming {@code publicKey},
 * {@code privateKey} or {@code pem}. Immutable and thread-safe; {@code toString()} never shows the
 * private key.
 *
 * <pre>{@code
 * VapidKeys keys = VapidKeys.generate();            // once, then store both halves
 * String forBrowser = keys.publicKeyBase64Url();    // pushManager.subscribe({applicationServerKey})
 * String secret = keys.toPem();                     // or privateKeyBase64Url()
 * VapidKeys loaded = VapidKeys.fromPem(secret);     // at start-up
 * }</pre>
 */
public final class VapidKeys {
  private static final String SUBJECT = "VAPID keys";
  private static final ECParameterSpec JCA_P256 = jcaP256();
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private final BigInteger privateScalar;
  private final byte[] publicKey;
  private final String publicKeyBase64Url;

  private VapidKeys(BigInteger privateScalar, byte[] publicKey) {
    this.privateScalar = privateScalar;
    this.publicKey = publicKey;
    this.publicKeyBase64Url = B64URL.encodeToString(publicKey);
  }

  /** A new random key pair from a {@link SecureRandom}. */
  public static VapidKeys generate() {
    EcP256.KeyPair pair = EcP256.generate(new SecureRandom());
    return new VapidKeys(pair.privateKey(), pair.publicKey());
  }

  /**
   * Loads the raw base64url form that most Web Push tools print: the 65-byte uncompressed public
   * point and the 32-byte private scalar. Padding and the standard base64 alphabet are tolerated.
   *
   * @throws InvalidInputException when either half is malformed, not on P-256, or they do not match
   */
  public static VapidKeys fromBase64Url(String publicKey, String privateKey) {
    Checks c = Checks.of("");
    byte[] pub = null;
    if (c.required(publicKey, "publicKey")) {
      pub = decode(publicKey);
      if (pub == null) {
        c.add("publicKey", "must be base64url: " + Redact.quote(publicKey, 16));
      } else if (pub.length != EcP256.POINT_LENGTH || pub[0] != 0x04) {
        c.add("publicKey", "must be a 65-byte uncompressed P-256 point (0x04 prefix): " + pub.length + " bytes");
        pub = null;
      } else if (!onCurve(pub)) {
        c.add("publicKey", "must be a point on the P-256 curve");
        pub = null;
      }
    }
    BigInteger d = null;
    if (c.required(privateKey, "privateKey")) {
      byte[] raw = decode(privateKey);
      if (raw == null) {
        c.add("privateKey", "must be base64url: " + Redact.secret(privateKey));
      } else if (raw.length != 32) {
        c.add("privateKey", "must be a 32-byte P-256 private key: " + raw.length + " bytes");
      } else {
        d = new BigInteger(1, raw);
        if (!EcP256.validPrivateKey(d)) {
          c.add("privateKey", "must be between 1 and the P-256 group order minus 1");
          d = null;
        }
      }
    }
    if (pub != null && d != null) {
      c.check(Arrays.equals(EcP256.publicKeyOf(d), pub), "publicKey", "must be the public key of privateKey (they do not match)");
    }
    c.throwIfInvalid(SUBJECT);
    return new VapidKeys(d, pub);
  }

  /**
   * Loads a PEM private key: PKCS#8 ({@code BEGIN PRIVATE KEY}, what {@link #toPem()} writes and
   * {@code openssl genpkey} produces) or SEC 1 ({@code BEGIN EC PRIVATE KEY}, what
   * {@code openssl ecparam -genkey} produces). The public key is derived; when the file embeds one
   * it must match.
   *
   * @throws InvalidInputException naming {@code pem} when it is not an unencrypted P-256 private key
   */
  public static VapidKeys fromPem(String pem) {
    Checks c = Checks.of("");
    if (!c.required(pem, "pem")) {
      c.throwIfInvalid(SUBJECT);
    }
    if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      fail("is encrypted; store it unencrypted (openssl pkcs8 -topk8 -nocrypt) and protect the file instead");
    }
    boolean pkcs8 = pem.contains("-----BEGIN PRIVATE KEY-----");
    boolean sec1 = pem.contains("-----BEGIN EC PRIVATE KEY-----");
    if (!pkcs8 && !sec1) {
      fail("must contain a -----BEGIN PRIVATE KEY----- (PKCS#8) or -----BEGIN EC PRIVATE KEY----- (SEC 1) block");
    }
    String label = pkcs8 ? "PRIVATE KEY" : "EC PRIVATE KEY";
    int begin = pem.indexOf("-----BEGIN " + label + "-----") + ("-----BEGIN " + label + "-----").length();
    int end = pem.indexOf("-----END " + label + "-----", begin);
    if (end < 0) {
      fail("has no -----END " + label + "----- line");
    }
    byte[] der;
    try {
      // The MIME decoder would skip foreign characters silently; strip only whitespace.
      der = Base64.getDecoder().decode(pem.substring(begin, end).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw problem("is not valid base64 between the BEGIN and END lines");
    }
    org.bouncycastle.asn1.sec.ECPrivateKey ec;
    try {
      if (pkcs8) {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(nonNull(ASN1Primitive.fromByteArray(der)));
        AlgorithmIdentifier alg = info.getPrivateKeyAlgorithm();
        if (!X9ObjectIdentifiers.id_ecPublicKey.equals(alg.getAlgorithm())) {
          fail("must be an EC key: algorithm " + alg.getAlgorithm().getId());
        }
        checkCurve(alg.getParameters(), true);
        ec = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(nonNull(info.parsePrivateKey()));
      } else {
        ec = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(nonNull(ASN1Primitive.fromByteArray(der)));
        checkCurve(ec.getParametersObject(), false);
      }
    } catch (IOException | IllegalArgumentException | ClassCastException e) {
      throw problem("is not a PKCS#8 or SEC 1 EC private key (malformed DER)");
    }
    BigInteger d = ec.getKey();
    if (!EcP256.validPrivateKey(d)) {
      fail("private key must be between 1 and the P-256 group order minus 1");
    }
    byte[] pub = EcP256.publicKeyOf(d);
    if (ec.getPublicKey() != null && !Arrays.equals(ec.getPublicKey().getOctets(), pub)) {
      fail("embeds a public key that does not match its private key");
    }
    return new VapidKeys(d, pub);
  }

  /**
   * The private key as PEM PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}), with the public key
   * embedded as OpenSSL does. Readable by {@link #fromPem(String)}, OpenSSL and the JDK.
   */
  public String toPem() {
    try {
      org.bouncycastle.asn1.sec.ECPrivateKey ec =
          new org.bouncycastle.asn1.sec.ECPrivateKey(256, privateScalar, new DERBitString(publicKey), null);
      PrivateKeyInfo info = new PrivateKeyInfo(
          new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, X9ObjectIdentifiers.prime256v1), ec);
      String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(info.getEncoded("DER"));
      return "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n";
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a P-256 private key", e);
    }
  }

  /**
   * The public key as unpadded base64url of the 65-byte uncompressed point: the browser's
   * {@code applicationServerKey} and the {@code k} parameter of the VAPID header.
   */
  public String publicKeyBase64Url() {
    return publicKeyBase64Url;
  }

  /** The private key as unpadded base64url of the 32-byte scalar. Secret: store it like a password. */
  public String privateKeyBase64Url() {
    return B64URL.encodeToString(EcP256.encodeScalar(privateScalar));
  }

  /** A copy of the 65-byte uncompressed public point. */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The private key for JWS signing through the JCA. */
  ECPrivateKey jcaPrivateKey() {
    try {
      return (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(privateScalar, JCA_P256));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK's EC provider cannot hold a P-256 key", e);
    }
  }

  /** Two instances are equal when they hold the same key pair. */
  @Override
  public boolean equals(Object o) {
    return o instanceof VapidKeys other && Arrays.equals(publicKey, other.publicKey);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(publicKey);
  }

  /** Shows the start of the public key only. */
  @Override
  public String toString() {
    return "VapidKeys[publicKey=" + publicKeyBase64Url.substring(0, 12) + "…, privateKey=<redacted>]";
  }

  private static void checkCurve(ASN1Encodable params, boolean required) {
    ASN1Primitive p = params == null ? null : params.toASN1Primitive();
    if (p == null || p instanceof ASN1Null) {
      if (required) {
        fail("must name its curve: P-256 (prime256v1, 1.2.840.10045.3.1.7)");
      }
      return;
    }
    if (!(p instanceof ASN1ObjectIdentifier oid)) {
      fail("must name its curve (explicit curve parameters are not supported)");
      return;
    }
    if (!X9ObjectIdentifiers.prime256v1.equals(oid)) {
      fail("must be on the P-256 curve (prime256v1, 1.2.840.10045.3.1.7): curve " + oid.getId());
    }
  }

  private static boolean onCurve(byte[] point) {
    try {
      EcP256.decodePoint(point);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** BouncyCastle answers some truncated inputs with null rather than an exception. */
  private static <T> T nonNull(T parsed) throws IOException {
    if (parsed == null) {
      throw new IOException("truncated DER");
    }
    return parsed;
  }

  private static void fail(String message) {
    throw problem(message);
  }

  private static InvalidInputException problem(String message) {
    return new InvalidInputException(SUBJECT, java.util.List.of(new InvalidInputException.Problem("pem", message)));
  }

  private static byte[] decode(String b64) {
    try {
      String s = b64.trim().replace('+', '-').replace('/', '_');
      int pad = s.indexOf('=');
      return Base64.getUrlDecoder().decode(pad >= 0 ? s.substring(0, pad) : s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static ECParameterSpec jcaP256() {
    try {
      AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
      p.init(new ECGenParameterSpec("secp256r1"));
      return p.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK must support secp256r1", e);
    }
  }
}
