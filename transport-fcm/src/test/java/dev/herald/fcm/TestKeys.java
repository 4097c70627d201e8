package dev.herald.fcm;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** A throwaway RSA key pair made once per test run, and service-account JSON built around it. */
final class TestKeys {
  static final String PROJECT = "demo-project";
  static final String EMAIL = "herald-test@demo-project.iam.gserviceaccount.com";
  static final String KEY_ID = "0123456789abcdef0123456789abcdef01234567";
  static final KeyPair RSA = generate("RSA", 2048);

  private TestKeys() {}

  static RSAPublicKey publicKey() {
    return (RSAPublicKey) RSA.getPublic();
  }

  static KeyPair generate(String algorithm, int bits) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
      g.initialize(bits);
      return g.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** PKCS#8 PEM, 64 characters a line, as Google writes it. */
  static String pem(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  /** The fields of a valid service-account file, in Google's order; tests change or drop some. */
  static Map<String, Object> fields(String tokenUri) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "service_account");
    m.put("project_id", PROJECT);
    m.put("private_key_id", KEY_ID);
    m.put("private_key", pem(RSA.getPrivate()));
    m.put("client_email", EMAIL);
    m.put("client_id", "100000000000000000000");
    m.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
    m.put("token_uri", tokenUri);
    m.put("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs");
    m.put("client_x509_cert_url", "https://www.googleapis.com/robot/v1/metadata/x509/herald-test");
    m.put("universe_domain", "googleapis.com");
    return m;
  }

  static String json(Map<String, Object> fields) {
    return JSONObjectUtils.toJSONString(fields);
  }

  static ServiceAccount account(String tokenUri) {
    return ServiceAccount.fromJson(json(fields(tokenUri)));
  }
}
