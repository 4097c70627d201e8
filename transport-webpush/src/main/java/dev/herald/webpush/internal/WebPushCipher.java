package dev.herald.webpush.internal;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Message encryption for Web Push: RFC 8291 key derivation on top of the RFC 8188 {@code aes128gcm}
 * content coding, always as one record.
 *
 * <p>Stateless and thread-safe. {@link #encrypt(byte[], int, ECPoint, byte[], byte[], SecureRandom)}
 * is the production path (fresh key pair and salt per message, as RFC 8291 §3.1 requires); the
 * overload with an injected key pair and salt exists for the RFC 8291 Appendix A test.
 */
public final class WebPushCipher {
  /** The record size written in the header. One record always fits: the body limit is 4096 too. */
  public static final int RECORD_SIZE = 4096;
  /** Salt length (RFC 8188 §2.1). */
  public static final int SALT_LENGTH = 16;
  /** salt(16) || rs(4) || idlen(1) || keyid = the sender's 65-byte public key (RFC 8291 §4). */
  public static final int HEADER_LENGTH = SALT_LENGTH + 4 + 1 + EcP256.POINT_LENGTH;
  /** AES-GCM tag length. */
  public static final int TAG_LENGTH = 16;
  /**
   * The most plaintext plus padding one message can carry: 4096 - 86 (header) - 16 (tag) - 1
   * (delimiter) = 3993 octets (RFC 8291 §4).
   */
  public static final int MAX_PLAINTEXT = RECORD_SIZE - HEADER_LENGTH - TAG_LENGTH - 1;

  private static final byte[] KEY_INFO_PREFIX = "WebPush: info\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CEK_INFO = "Content-Encoding: aes128gcm\0\1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NONCE_INFO = "Content-Encoding: nonce\0\1".getBytes(StandardCharsets.US_ASCII);
  private static final byte LAST_RECORD_DELIMITER = 0x02;

  private WebPushCipher() {}

  /**
   * Encrypts one message for a subscriber with a fresh sender key pair and salt.
   *
   * @param plaintext the message, at most {@link #MAX_PLAINTEXT} - {@code padding} octets
   * @param padding zero octets to add after the delimiter, to hide the length
   * @param uaPublic the subscriber's public key, already decoded and checked
   * @param uaPublicBytes the same key, uncompressed (it enters the key derivation as bytes)
   * @param authSecret the subscriber's 16-byte authentication secret
   * @param random source of the key pair and salt
   * @return the request body: header followed by the single record
   * @throws IllegalArgumentException when plaintext plus padding exceeds the limit
   */
  public static byte[] encrypt(byte[] plaintext, int padding, ECPoint uaPublic, byte[] uaPublicBytes,
      byte[] authSecret, SecureRandom random) {
    checkLength(plaintext.length, padding);
    EcP256.KeyPair sender = EcP256.generate(random);
    byte[] salt = new byte[SALT_LENGTH];
    random.nextBytes(salt);
    return encrypt(plaintext, padding, uaPublic, uaPublicBytes, authSecret, sender.privateKey(), sender.publicKey(), salt);
  }

  /**
   * Encrypts with an injected sender key pair and salt. Only for known-answer tests: reusing a key
   * pair or salt across messages breaks the security of the scheme.
   */
  public static byte[] encrypt(byte[] plaintext, int padding, ECPoint uaPublic, byte[] uaPublicBytes,
      byte[] authSecret, BigInteger asPrivate, byte[] asPublic, byte[] salt) {
    checkLength(plaintext.length, padding);
    if (authSecret.length != 16) {
      throw new IllegalArgumentException("auth secret must be 16 bytes: " + authSecret.length);
    }
    byte[] ikm = inputKeyingMaterial(EcP256.sharedSecret(asPrivate, uaPublic), authSecret, uaPublicBytes, asPublic);
    return aes128gcm(ikm, salt, RECORD_SIZE, asPublic, plaintext, padding);
  }

  /**
   * RFC 8291 §3.3-3.4: the IKM for the content coding, from the ECDH secret, the auth secret and
   * both public keys.
   */
  public static byte[] inputKeyingMaterial(byte[] ecdhSecret, byte[] authSecret, byte[] uaPublic, byte[] asPublic) {
    byte[] prkKey = hmacSha256(authSecret, ecdhSecret);
    byte[] keyInfo = new byte[KEY_INFO_PREFIX.length + uaPublic.length + asPublic.length + 1];
    System.arraycopy(KEY_INFO_PREFIX, 0, keyInfo, 0, KEY_INFO_PREFIX.length);
    System.arraycopy(uaPublic, 0, keyInfo, KEY_INFO_PREFIX.length, uaPublic.length);
    System.arraycopy(asPublic, 0, keyInfo, KEY_INFO_PREFIX.length + uaPublic.length, asPublic.length);
    // HKDF-Expand with L = 32 is a single HMAC over info || 0x01.
    keyInfo[keyInfo.length - 1] = 0x01;
    return hmacSha256(prkKey, keyInfo);
  }

  /**
   * RFC 8188 {@code aes128gcm} with one record: header, then plaintext || 0x02 || padding zeros
   * sealed with AES-128-GCM.
   *
   * @param ikm input keying material
   * @param salt 16 random octets
   * @param recordSize the {@code rs} header field; must hold the whole record
   * @param keyId the {@code keyid} header field (RFC 8291 puts the sender's public key here)
   * @param plaintext the content
   * @param padding number of zero octets after the delimiter
   */
  public static byte[] aes128gcm(byte[] ikm, byte[] salt, int recordSize, byte[] keyId, byte[] plaintext, int padding) {
    if (salt.length != SALT_LENGTH) {
      throw new IllegalArgumentException("salt must be 16 bytes: " + salt.length);
    }
    if (keyId.length > 255) {
      throw new IllegalArgumentException("keyid must be at most 255 bytes: " + keyId.length);
    }
    if (padding < 0) {
      throw new IllegalArgumentException("padding must be >= 0: " + padding);
    }
    int recordPlaintext = plaintext.length + 1 + padding;
    if ((long) recordPlaintext + TAG_LENGTH > recordSize) {
      throw new IllegalArgumentException("record size " + recordSize + " cannot hold " + recordPlaintext
          + " octets plus the tag in one record");
    }
    byte[] prk = hmacSha256(salt, ikm);
    byte[] cek = truncate(hmacSha256(prk, CEK_INFO), 16);
    byte[] nonce = truncate(hmacSha256(prk, NONCE_INFO), 12);

    int headerLength = SALT_LENGTH + 4 + 1 + keyId.length;
    byte[] out = new byte[headerLength + recordPlaintext + TAG_LENGTH];
    System.arraycopy(salt, 0, out, 0, SALT_LENGTH);
    out[16] = (byte) (recordSize >>> 24);
    out[17] = (byte) (recordSize >>> 16);
    out[18] = (byte) (recordSize >>> 8);
    out[19] = (byte) recordSize;
    out[20] = (byte) keyId.length;
    System.arraycopy(keyId, 0, out, 21, keyId.length);

    byte[] record = new byte[recordPlaintext];
    System.arraycopy(plaintext, 0, record, 0, plaintext.length);
    record[plaintext.length] = LAST_RECORD_DELIMITER;
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, nonce));
      int written = gcm.doFinal(record, 0, record.length, out, headerLength);
      if (written != recordPlaintext + TAG_LENGTH) {
        throw new IllegalStateException("AES-GCM wrote " + written + " octets, expected " + (recordPlaintext + TAG_LENGTH));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM/NoPadding is required of every Java platform", e);
    }
    return out;
  }

  /** Throws when plaintext plus padding does not fit one Web Push message. */
  public static void checkLength(int plaintextLength, int padding) {
    if (padding < 0) {
      throw new IllegalArgumentException("padding must be >= 0: " + padding);
    }
    if ((long) plaintextLength + padding > MAX_PLAINTEXT) {
      throw new IllegalArgumentException("payload plus padding must be at most " + MAX_PLAINTEXT + " octets: "
          + plaintextLength + " + " + padding);
    }
  }

  /** HMAC-SHA-256. */
  public static byte[] hmacSha256(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
    }
  }

  private static byte[] truncate(byte[] b, int n) {
    byte[] out = new byte[n];
    System.arraycopy(b, 0, out, 0, n);
    return out;
  }
}
