package dev.herald.fcm;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.testing.fcm.TestServiceAccount;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.util.Map;

/** One generated service account per test run (the fake FCM verifies its assertions), and keys of other kinds. */
final class TestKeys {
  static final TestServiceAccount ACCOUNT = TestServiceAccount.generate("demo-project");
  static final String PROJECT = ACCOUNT.projectId();
  static final String EMAIL = ACCOUNT.clientEmail();
  static final String KEY_ID = ACCOUNT.privateKeyId();

  private TestKeys() {}

  static PrivateKey privateKey() {
    return ACCOUNT.privateKey();
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
    return TestServiceAccount.pem(key);
  }

  /** The fields of a valid service-account file, in Google's order; tests change or drop some. */
  static Map<String, Object> fields(String tokenUri) {
    return ACCOUNT.fields(tokenUri);
  }

  static String json(Map<String, Object> fields) {
    return JSONObjectUtils.toJSONString(fields);
  }

  static ServiceAccount account(String tokenUri) {
    return ServiceAccount.fromJson(json(fields(tokenUri)));
  }
}
