package dev.herald.benchmarks.webpush;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The symmetric half of RFC 8291 by provider: one HMAC-SHA-256 (the key schedule runs five) and one
 * AES-128-GCM seal of the payload, through the JCA (SunJCE, with CPU intrinsics) and through
 * BouncyCastle's low-level classes (pure Java, no provider lookup). Each call sets up a new key, as
 * every Web Push message does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class SymmetricPathBenchmark {
  @Param({"200", "3000"})
  public int payloadBytes;

  private byte[] key32;
  private byte[] key16;
  private byte[] nonce;
  private byte[] data;
  private byte[] small;

  @Setup(Level.Trial)
  public void setUp() {
    SecureRandom r = new SecureRandom();
    key32 = new byte[32];
    key16 = new byte[16];
    nonce = new byte[12];
    data = new byte[payloadBytes + 1];
    small = new byte[158];
    r.nextBytes(key32);
    r.nextBytes(key16);
    r.nextBytes(nonce);
    r.nextBytes(data);
  }

  @Benchmark
  public byte[] hmacJca() throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key32, "HmacSHA256"));
    return mac.doFinal(small);
  }

  @Benchmark
  public byte[] hmacBouncyCastle() {
    HMac mac = new HMac(new SHA256Digest());
    mac.init(new KeyParameter(key32));
    mac.update(small, 0, small.length);
    byte[] out = new byte[32];
    mac.doFinal(out, 0);
    return out;
  }

  @Benchmark
  public byte[] aesGcmJca() throws Exception {
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key16, "AES"), new GCMParameterSpec(128, nonce));
    return gcm.doFinal(data);
  }

  @Benchmark
  public byte[] aesGcmBouncyCastle() throws Exception {
    GCMBlockCipher gcm = (GCMBlockCipher) GCMBlockCipher.newInstance(AESEngine.newInstance());
    gcm.init(true, new AEADParameters(new KeyParameter(key16), 128, nonce));
    byte[] out = new byte[gcm.getOutputSize(data.length)];
    int n = gcm.processBytes(data, 0, data.length, out, 0);
    gcm.doFinal(out, n);
    return out;
  }
}
