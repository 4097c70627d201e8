package dev.herald.webpush;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The receiving side of RFC 8291/8188, written independently of the production code: JDK SunEC for
 * ECDH (production uses BouncyCastle), and RFC 8188's general multi-record decoding (production
 * only ever writes one record). Throws {@link DecryptionException} on any malformed or forged body.
 */
final class TestDecryptor {
  static final class DecryptionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DecryptionException(String message) {
      super(message);
    }

    DecryptionException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private TestDecryptor() {}

  /**
   * Decrypts a Web Push body with the subscriber's private key.
   *
   * @param requiredRecordSize when non-null, the {@code rs} the sender is known to write; a strict
   *     receiver pins it so that even a flipped bit in {@code rs} (which RFC 8188 otherwise tolerates
   *     as long as the single record still fits) is detected
   */
  static byte[] decryptWebPush(byte[] body, ECPrivateKey uaPrivate, byte[] uaPublic, byte[] authSecret,
      Integer requiredRecordSize) {
    if (body.length < 21) {
      throw new DecryptionException("body shorter than the header");
    }
    int idlen = body[20] & 0xff;
    if (idlen != 65) {
      throw new DecryptionException("keyid must be the 65-byte sender key: " + idlen);
    }
    byte[] asPublic = Arrays.copyOfRange(body, 21, 86);
    byte[] ecdh = ecdh(uaPrivate, asPublic);
    byte[] prkKey = hmac(authSecret, ecdh);
    byte[] info = concat("WebPush: info\0".getBytes(StandardCharsets.US_ASCII), uaPublic, asPublic, new byte[] {1});
    byte[] ikm = hmac(prkKey, info);
    return decryptAes128gcm(body, ikm, requiredRecordSize);
  }

  /** RFC 8188 decoding, any number of records. */
  static byte[] decryptAes128gcm(byte[] body, byte[] ikm, Integer requiredRecordSize) {
    if (body.length < 21) {
      throw new DecryptionException("body shorter than the header");
    }
    byte[] salt = Arrays.copyOfRange(body, 0, 16);
    long rs = ((body[16] & 0xffL) << 24) | ((body[17] & 0xff) << 16) | ((body[18] & 0xff) << 8) | (body[19] & 0xff);
    if (rs < 18) {
      throw new DecryptionException("rs must be >= 18: " + rs);
    }
    if (requiredRecordSize != null && rs != requiredRecordSize) {
      throw new DecryptionException("rs must be " + requiredRecordSize + ": " + rs);
    }
    int idlen = body[20] & 0xff;
    int start = 21 + idlen;
    if (body.length <= start) {
      throw new DecryptionException("no record after the header");
    }
    byte[] prk = hmac(salt, ikm);
    byte[] cek = Arrays.copyOf(hmac(prk, "Content-Encoding: aes128gcm\0\1".getBytes(StandardCharsets.US_ASCII)), 16);
    byte[] nonce = Arrays.copyOf(hmac(prk, "Content-Encoding: nonce\0\1".getBytes(StandardCharsets.US_ASCII)), 12);
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    long seq = 0;
    int pos = start;
    boolean sawLast = false;
    while (pos < body.length) {
      if (sawLast) {
        throw new DecryptionException("data after the last record");
      }
      int end = (int) Math.min(body.length, pos + rs);
      byte[] recordNonce = nonce.clone();
      for (int i = 0; i < 8; i++) {
        recordNonce[11 - i] ^= (byte) (seq >>> (8 * i));
      }
      byte[] record;
      try {
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, recordNonce));
        record = gcm.doFinal(body, pos, end - pos);
      } catch (GeneralSecurityException e) {
        throw new DecryptionException("record " + seq + " failed authentication", e);
      }
      int delimiter = record.length - 1;
      while (delimiter >= 0 && record[delimiter] == 0) {
        delimiter--;
      }
      if (delimiter < 0) {
        throw new DecryptionException("record " + seq + " has no delimiter");
      }
      boolean last = end == body.length;
      int expected = last ? 2 : 1;
      if (record[delimiter] != expected) {
        throw new DecryptionException("record " + seq + " delimiter must be " + expected + ": " + record[delimiter]);
      }
      if (!last && end - pos != rs) {
        throw new DecryptionException("non-last record shorter than rs");
      }
      plain.write(record, 0, delimiter);
      sawLast = last;
      pos = end;
      seq++;
    }
    return plain.toByteArray();
  }

  static byte[] ecdh(ECPrivateKey privateKey, byte[] peerUncompressed) {
    if (!dev.herald.internal.P256.isUncompressedPointOnCurve(peerUncompressed)) {
      throw new DecryptionException("sender key is not a point on P-256");
    }
    try {
      ECParameterSpec params = privateKey.getParams();
      ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(peerUncompressed, 1, 33)),
          new BigInteger(1, Arrays.copyOfRange(peerUncompressed, 33, 65)));
      ECPublicKey peer = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, params));
      KeyAgreement ka = KeyAgreement.getInstance("ECDH");
      ka.init(privateKey);
      ka.doPhase(peer, true);
      return ka.generateSecret();
    } catch (GeneralSecurityException e) {
      throw new DecryptionException("ECDH failed", e);
    }
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.write(p, 0, p.length);
    }
    return out.toByteArray();
  }
}
