package dev.herald.testing.webpush;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The receiving side of RFC 8188's {@code aes128gcm} content coding, written on the JDK's crypto
 * alone and independently of Herald's sender, so that a round trip through it checks the sender:
 * any number of records, each delimiter and record length checked. {@link PushSubscriber} derives
 * the key material of RFC 8291 and decodes with it. Stateless and thread-safe.
 */
public final class Aes128gcm {
  private Aes128gcm() {}

  /**
   * Decodes {@code body} with the input keying material {@code ikm}.
   *
   * @throws DecryptionException when the body is malformed or a record fails authentication
   */
  public static byte[] decrypt(byte[] body, byte[] ikm) {
    return decrypt(body, ikm, null);
  }

  /**
   * Decodes {@code body} with {@code ikm}, requiring the record size {@code rs} to be
   * {@code requiredRecordSize} when that is not null: a receiver that pins the size a sender is
   * known to write also notices an altered {@code rs} that RFC 8188 would otherwise tolerate.
   *
   * @throws DecryptionException when the body is malformed, has another record size, or a record fails authentication
   */
  public static byte[] decrypt(byte[] body, byte[] ikm, Integer requiredRecordSize) {
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
    int start = 21 + (body[20] & 0xff);
    if (body.length <= start) {
      throw new DecryptionException("no record after the header");
    }
    byte[] prk = hmac(salt, ikm);
    byte[] cek = Arrays.copyOf(hmac(prk, "Content-Encoding: aes128gcm\0\1".getBytes(StandardCharsets.US_ASCII)), 16);
    byte[] nonce = Arrays.copyOf(hmac(prk, "Content-Encoding: nonce\0\1".getBytes(StandardCharsets.US_ASCII)), 12);
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    long seq = 0;
    int pos = start;
    while (pos < body.length) {
      int end = (int) Math.min(body.length, pos + rs);
      byte[] recordNonce = nonce.clone();
      for (int i = 0; i < 8; i++) {
        recordNonce[11 - i] ^= (byte) (seq >>> (8 * i)); // RFC 8188 §2.3: the sequence number XORed into the nonce
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
        throw new DecryptionException("a record before the last is shorter than rs");
      }
      plain.write(record, 0, delimiter);
      pos = end;
      seq++;
    }
    return plain.toByteArray();
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no HmacSHA256", e);
    }
  }
}
