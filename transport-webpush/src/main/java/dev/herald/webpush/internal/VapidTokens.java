package dev.herald.webpush.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.math.BigInteger;
import java.net.URI;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.HttpUrl;

/**
 * VAPID (RFC 8292) {@code Authorization} headers, one signed JWT per audience (push-service
 * origin), reused until shortly before it expires.
 *
 * <p>Signing per message would cost an ECDSA signature each time and tells the push service
 * nothing new; the token only carries the origin, an expiry and the subject. A token is replaced
 * {@code min(1 h, lifetime / 2)} before its {@code exp}, which leaves room for clock skew between
 * us and the push service and for a request that waits in the dispatcher queue. Thread-safe: a
 * miss signs once per audience while other audiences proceed.
 */
public final class VapidTokens {
  /** RFC 8292 §2: {@code exp} must be no more than 24 hours after the request. */
  public static final Duration MAX_LIFETIME = Duration.ofHours(24);
  /** Shortest lifetime accepted; below this the cache would re-sign too often to be worth having. */
  public static final Duration MIN_LIFETIME = Duration.ofMinutes(5);
  private static final Duration MAX_REFRESH_MARGIN = Duration.ofHours(1);
  // Audiences are push-service origins, a few dozen at most; the bound only stops a runaway.
  private static final int MAX_AUDIENCES = 4096;

  private record Token(String header, Instant refreshAt) {}

  private final ECDSASigner signer;
  private final String keyParameter;
  private final String subject;
  private final Duration lifetime;
  private final Duration refreshMargin;
  private final Clock clock;
  private final ConcurrentHashMap<String, Token> cache = new ConcurrentHashMap<>();
  private final AtomicLong signed = new AtomicLong();

  /**
   * Creates an empty cache; nothing is signed until the first request to an audience.
   *
   * @param privateKey the VAPID private key
   * @param publicKeyBase64Url the VAPID public key, sent as {@code k}
   * @param subject a checked {@code mailto:} or {@code https:} contact
   * @param lifetime token lifetime, {@link #MIN_LIFETIME} to {@link #MAX_LIFETIME}
   * @param clock source of {@code exp}
   */
  public VapidTokens(ECPrivateKey privateKey, String publicKeyBase64Url, String subject, Duration lifetime, Clock clock) {
    try {
      this.signer = new ECDSASigner(privateKey);
    } catch (JOSEException e) {
      throw new IllegalArgumentException("VAPID key cannot sign ES256", e);
    }
    this.keyParameter = ", k=" + publicKeyBase64Url;
    this.subject = subject;
    this.lifetime = lifetime;
    Duration half = lifetime.dividedBy(2);
    this.refreshMargin = half.compareTo(MAX_REFRESH_MARGIN) < 0 ? half : MAX_REFRESH_MARGIN;
    this.clock = clock;
  }

  /** The {@code Authorization} header value for requests to this audience (an origin). */
  public String authorization(String audience) {
    Instant now = clock.instant();
    Token token = cache.get(audience);
    if (token != null && now.isBefore(token.refreshAt())) {
      return token.header();
    }
    if (cache.size() >= MAX_AUDIENCES) {
      cache.clear();
    }
    return cache.compute(audience, (aud, old) -> old != null && now.isBefore(old.refreshAt()) ? old : sign(aud, now))
        .header();
  }

  /**
   * Drops the cached token for an audience if it is still the given one, so the next request signs
   * afresh (after the push service rejected it, say) without discarding a newer token.
   */
  public void invalidate(String audience, String header) {
    cache.computeIfPresent(audience, (aud, token) -> token.header().equals(header) ? null : token);
  }

  /**
   * Signs a throwaway token with the private key and verifies it with the public key: what a push
   * service will do with every token. The key types already check that the two belong together; this
   * catches a JCA provider that cannot sign ES256 with them, at start-up instead of at the first send.
   *
   * @throws IllegalStateException saying what failed
   */
  public static void verifySigns(ECPrivateKey privateKey, byte[] uncompressedPublicKey) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).build(),
          new JWTClaimsSet.Builder().audience("https://push.invalid").build());
      jwt.sign(new ECDSASigner(privateKey));
      AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
      params.init(new ECGenParameterSpec("secp256r1"));
      ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
      ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(uncompressedPublicKey, 1, 33)),
          new BigInteger(1, Arrays.copyOfRange(uncompressedPublicKey, 33, 65)));
      ECPublicKey pub = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
      if (!jwt.verify(new ECDSAVerifier(pub))) {
        throw new IllegalStateException("a token it signed does not verify with its public key");
      }
    } catch (JOSEException | GeneralSecurityException e) {
      throw new IllegalStateException("ES256 signing or verification failed: " + e.getMessage(), e);
    }
  }

  /** How many tokens were signed so far; for tests and metrics. */
  public long signedCount() {
    return signed.get();
  }

  private Token sign(String audience, Instant now) {
    // exp is whole seconds (NumericDate); truncate so that exp - now never exceeds the lifetime.
    Instant exp = now.plus(lifetime).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .audience(audience)
        .expirationTime(Date.from(exp))
        .subject(subject)
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("ES256 signing failed", e);
    }
    signed.incrementAndGet();
    return new Token("vapid t=" + jwt.serialize() + keyParameter, exp.minus(refreshMargin));
  }

  /**
   * The audience for an endpoint: its origin, {@code scheme://host[:port]}, with the port only
   * when it is not the scheme's default (RFC 6454 serialisation).
   */
  public static String origin(HttpUrl url) {
    String host = url.host().indexOf(':') >= 0 ? "[" + url.host() + "]" : url.host();
    int port = url.port();
    return url.scheme() + "://" + host + (port == HttpUrl.defaultPort(url.scheme()) ? "" : ":" + port);
  }

  /**
   * The problem with a VAPID subject, or null when it is acceptable: a {@code mailto:} address or an
   * {@code https:} URL, and not a localhost or placeholder domain, which push services (Apple's in
   * particular) reject with 403.
   */
  public static String subjectProblem(String subject) {
    String s = subject.trim();
    if (!s.equals(subject) || s.isEmpty()) {
      return "must be a mailto: or https: URI without surrounding spaces";
    }
    String lower = s.toLowerCase(Locale.ROOT);
    String domain;
    if (lower.startsWith("mailto:")) {
      String address = s.substring("mailto:".length());
      int at = address.lastIndexOf('@');
      if (at <= 0 || at == address.length() - 1 || address.indexOf(' ') >= 0) {
        return "must be mailto:<address> with a valid e-mail address";
      }
      domain = address.substring(at + 1).toLowerCase(Locale.ROOT);
    } else if (lower.startsWith("https:")) {
      URI uri;
      try {
        uri = new URI(s);
      } catch (Exception e) {
        return "must be a valid https: URL";
      }
      if (uri.getHost() == null) {
        return "must be an https: URL with a host";
      }
      domain = uri.getHost().toLowerCase(Locale.ROOT);
    } else {
      return "must be a mailto: or https: URI";
    }
    if (domain.endsWith(".")) {
      domain = domain.substring(0, domain.length() - 1);
    }
    if (isLocal(domain)) {
      return "must not name localhost or a local address (push services reject it)";
    }
    if (isPlaceholder(domain)) {
      return "must not use a placeholder domain (reserved example/test names are rejected by push services; "
          + "give a contact the push service can reach)";
    }
    return null;
  }

  private static boolean isLocal(String domain) {
    return domain.equals("localhost") || domain.endsWith(".localhost") || domain.endsWith(".local")
        || domain.startsWith("127.") || domain.equals("[::1]") || domain.equals("0.0.0.0") || !domain.contains(".");
  }

  private static boolean isPlaceholder(String domain) {
    // RFC 2606 / RFC 6761 reserved names, plus the placeholders of popular snippets.
    for (String reserved : new String[] {"example.com", "example.net", "example.org"}) {
      if (domain.equals(reserved) || domain.endsWith("." + reserved)) {
        return true;
      }
    }
    for (String tld : new String[] {".example", ".test", ".invalid"}) {
      if (domain.endsWith(tld)) {
        return true;
      }
    }
    for (String label : domain.split("\\.")) {
      if (label.equals("yourdomain") || label.equals("your-domain") || label.equals("yoursite") || label.equals("your-site")) {
        return true;
      }
    }
    return false;
  }
}
