package dev.herald.benchmarks.webpush;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.herald.webpush.internal.EcP256;
import dev.herald.webpush.internal.WebPushCipher;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import javax.crypto.KeyAgreement;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The candidate crypto paths for the per-message P-256 work (one key pair plus one ECDH), measured
 * so the choice is not a guess: JDK SunEC through the JCA, BouncyCastle's low-level API on the
 * generic curve from {@code ECNamedCurveTable}, and on its specialised curve from
 * {@code CustomNamedCurves}, the key pair both through BouncyCastle's comb and through the
 * fixed-base table {@link EcP256} uses. Also the symmetric rest of RFC 8291 and one
 * ES256 JWT signature, which is what signing per message (instead of caching) would add.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class P256PathBenchmark {
  private final SecureRandom random = new SecureRandom();
  private KeyPairGenerator sunEcGenerator;
  private ECPrivateKey sunEcPrivate;
  private java.security.PublicKey sunEcPeer;
  private ECDomainParameters genericDomain;
  private org.bouncycastle.math.ec.ECCurve genericCurve;
  private BigInteger scalar;
  private byte[] ecdhSecret;
  private byte[] auth;
  private byte[] uaPublic;
  private byte[] asPublic;
  private byte[] payload;
  private byte[] salt;
  private ECDSASigner jwtSigner;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    sunEcGenerator = KeyPairGenerator.getInstance("EC");
    sunEcGenerator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair a = sunEcGenerator.generateKeyPair();
    KeyPair b = sunEcGenerator.generateKeyPair();
    sunEcPrivate = (ECPrivateKey) a.getPrivate();
    sunEcPeer = b.getPublic();

    X9ECParameters generic = ECNamedCurveTable.getByName("secp256r1");
    genericDomain = new ECDomainParameters(generic.getCurve(), generic.getG(), generic.getN(), generic.getH());
    EcP256.KeyPair peer = EcP256.generate(random);
    uaPublic = peer.publicKey();
    genericCurve = generic.getCurve();
    scalar = EcP256.generate(random).privateKey();
    asPublic = EcP256.publicKeyOf(scalar);
    ecdhSecret = EcP256.sharedSecret(scalar, EcP256.decodePoint(uaPublic));
    auth = new byte[16];
    random.nextBytes(auth);
    salt = new byte[16];
    random.nextBytes(salt);
    payload = new byte[200];
    jwtSigner = new ECDSASigner(sunEcPrivate);
  }

  /** SunEC: one key pair. */
  @Benchmark
  public Object sunEcKeyPair() {
    return sunEcGenerator.generateKeyPair();
  }

  /** SunEC: one ECDH agreement. */
  @Benchmark
  public byte[] sunEcEcdh() throws Exception {
    KeyAgreement ka = KeyAgreement.getInstance("ECDH");
    ka.init(sunEcPrivate);
    ka.doPhase(sunEcPeer, true);
    return ka.generateSecret();
  }

  /** BouncyCastle low-level, generic curve: one key pair. */
  @Benchmark
  public Object bcGenericKeyPair() {
    ECKeyPairGenerator g = new ECKeyPairGenerator();
    g.init(new ECKeyGenerationParameters(genericDomain, random));
    return g.generateKeyPair();
  }

  /** BouncyCastle low-level, generic curve: one ECDH with a freshly decoded peer point. */
  @Benchmark
  public byte[] bcGenericEcdh() {
    return genericCurve.decodePoint(uaPublic).multiply(scalar).normalize().getAffineXCoord().getEncoded();
  }

  /** BouncyCastle low-level, custom P-256 curve, its constant-time fixed-point comb: one key pair. */
  @Benchmark
  public Object bcCustomCombKeyPair() {
    ECKeyPairGenerator g = new ECKeyPairGenerator();
    g.init(new ECKeyGenerationParameters(EcP256.DOMAIN, random));
    return g.generateKeyPair();
  }

  /** Custom P-256 curve, Herald's fixed-base window table (production): one key pair. */
  @Benchmark
  public Object bcCustomTableKeyPair() {
    return EcP256.generate(random);
  }

  /**
   * BouncyCastle low-level, custom P-256 curve (production): one ECDH with a freshly decoded peer
   * point, as every message has. Reusing the point object would hide about 12 us: BouncyCastle
   * caches the wNAF precomputation on the point.
   */
  @Benchmark
  public byte[] bcCustomEcdh() {
    return EcP256.sharedSecret(scalar, EcP256.decodePoint(uaPublic));
  }

  /** Everything in RFC 8291 after the ECDH: HKDF and AES-128-GCM of 200 octets. */
  @Benchmark
  public byte[] hkdfAndAesGcm() {
    byte[] ikm = WebPushCipher.inputKeyingMaterial(ecdhSecret, auth, uaPublic, asPublic);
    return WebPushCipher.aes128gcm(ikm, salt, WebPushCipher.RECORD_SIZE, asPublic, payload, 0);
  }

  /** One ES256 VAPID JWT: what signing per message, instead of caching per origin, would add. */
  @Benchmark
  public String vapidJwtSignature() throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).build(),
        new JWTClaimsSet.Builder().audience("https://fcm.googleapis.com").subject("mailto:push-ops@herald.dev")
            .expirationTime(new Date(System.currentTimeMillis() + 43_200_000L)).build());
    jwt.sign(jwtSigner);
    return jwt.serialize();
  }
}
