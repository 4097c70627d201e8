package dev.herald.testing.fcm;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A Google service account made for tests: a fresh 2048-bit RSA key pair, a client email and a key
 * id, written out as the JSON file the Firebase console hands out. {@link FakeFcm} verifies the
 * assertions signed with it. Immutable and thread-safe; {@link #toString()} shows no key.
 *
 * <pre>{@code
 * TestServiceAccount account = TestServiceAccount.generate("demo-project");
 * ServiceAccount parsed = ServiceAccount.fromJson(account.json("https://oauth2.googleapis.com/token"));
 * }</pre>
 */
public final class TestServiceAccount {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String projectId;
  private final String clientEmail;
  private final String privateKeyId;
  private final KeyPair keys;

  private TestServiceAccount(String projectId, String clientEmail, String privateKeyId, KeyPair keys) {
    this.projectId = projectId;
    this.clientEmail = clientEmail;
    this.privateKeyId = privateKeyId;
    this.keys = keys;
  }

  /** An account of the project {@code demo-project}. */
  public static TestServiceAccount generate() {
    return generate("demo-project");
  }

  /**
   * An account of {@code projectId}, with the client email {@code herald-test@<projectId>.iam.gserviceaccount.com}.
   *
   * @throws IllegalArgumentException when {@code projectId} is empty
   */
  public static TestServiceAccount generate(String projectId) {
    if (Objects.requireNonNull(projectId, "projectId").isEmpty()) {
      throw new IllegalArgumentException("projectId must not be empty");
    }
    byte[] id = new byte[20];
    RANDOM.nextBytes(id);
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return new TestServiceAccount(projectId, "herald-test@" + projectId + ".iam.gserviceaccount.com",
          HexFormat.of().formatHex(id), g.generateKeyPair());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no RSA", e);
    }
  }

  /** The Firebase project. */
  public String projectId() {
    return projectId;
  }

  /** The account's email, the {@code iss} of its assertions. */
  public String clientEmail() {
    return clientEmail;
  }

  /** The key's id, the {@code kid} of its assertions. */
  public String privateKeyId() {
    return privateKeyId;
  }

  /** The public key the token endpoint verifies with. */
  public RSAPublicKey publicKey() {
    return (RSAPublicKey) keys.getPublic();
  }

  /** The private key (a test key: it signs nothing but tests). */
  public PrivateKey privateKey() {
    return keys.getPrivate();
  }

  /**
   * The fields of the JSON file in Google's order, with {@code token_uri} set to {@code tokenUri}:
   * a new mutable map, so that a test can change or drop fields.
   */
  public Map<String, Object> fields(String tokenUri) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "service_account");
    m.put("project_id", projectId);
    m.put("private_key_id", privateKeyId);
    m.put("private_key", pem(keys.getPrivate()));
    m.put("client_email", clientEmail);
    m.put("client_id", "100000000000000000000");
    m.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
    m.put("token_uri", tokenUri);
    m.put("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs");
    m.put("client_x509_cert_url", "https://www.googleapis.com/robot/v1/metadata/x509/" + clientEmail.replace("@", "%40"));
    m.put("universe_domain", "googleapis.com");
    return m;
  }

  /** The JSON file, with {@code token_uri} set to {@code tokenUri}. */
  public String json(String tokenUri) {
    return JSONObjectUtils.toJSONString(fields(tokenUri));
  }

  /** A private key as PKCS#8 PEM, 64 characters a line, as Google writes it. */
  public static String pem(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  @Override
  public String toString() {
    return "TestServiceAccount[projectId=" + projectId + ", clientEmail=" + clientEmail + ", privateKey=<redacted>]";
  }
}
