package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.webpush.internal.EcP256;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class EcP256Test {
  private static final BigInteger N = EcP256.N;

  @Property(tries = 500)
  void fastBaseTableAgreesWithBouncyCastlesComb(@ForAll("scalars") BigInteger d) {
    assertThat(EcP256.ephemeralPublicKeyOf(d)).isEqualTo(EcP256.publicKeyOf(d));
  }

  @Provide
  Arbitrary<BigInteger> scalars() {
    return Arbitraries.bigIntegers().between(BigInteger.ONE, N.subtract(BigInteger.ONE));
  }

  @Test
  void fastBaseTableAgreesOnEdgeScalars() {
    List<BigInteger> edges = new ArrayList<>(List.of(BigInteger.ONE, BigInteger.TWO, BigInteger.valueOf(63),
        BigInteger.valueOf(64), BigInteger.valueOf(65), N.subtract(BigInteger.ONE), N.subtract(BigInteger.TWO),
        BigInteger.ONE.shiftLeft(255), BigInteger.ONE.shiftLeft(252).subtract(BigInteger.ONE)));
    for (int k = 0; k < 256; k += 6) {
      edges.add(BigInteger.ONE.shiftLeft(k));
      edges.add(BigInteger.valueOf(63).shiftLeft(k).mod(N));
    }
    // Every 6-bit window at its largest digit, and the words' boundaries (bits 26..37, 250..255).
    BigInteger allOnes = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE).mod(N);
    edges.add(allOnes);
    edges.add(BigInteger.ONE.shiftLeft(38).subtract(BigInteger.ONE.shiftLeft(26)));
    for (BigInteger d : edges) {
      assertThat(EcP256.ephemeralPublicKeyOf(d)).as("d = %s", d.toString(16)).isEqualTo(EcP256.publicKeyOf(d));
    }
  }

  @Test
  void generatedKeyPairsAreConsistent() {
    SecureRandom random = new SecureRandom();
    for (int i = 0; i < 50; i++) {
      EcP256.KeyPair pair = EcP256.generate(random);
      assertThat(EcP256.validPrivateKey(pair.privateKey())).isTrue();
      assertThat(pair.publicKey()).isEqualTo(EcP256.publicKeyOf(pair.privateKey()));
      assertThat(pair.toString()).isEqualTo("KeyPair[private=<hidden>]");
    }
  }

  @Test
  void scalarsOutsideTheGroupAreRefused() {
    for (BigInteger bad : List.of(BigInteger.ZERO, N, BigInteger.valueOf(-1))) {
      assertThatThrownBy(() -> EcP256.ephemeralPublicKeyOf(bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("private key must be in [1, n-1]");
      assertThatThrownBy(() -> EcP256.publicKeyOf(bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("private key must be in [1, n-1]");
    }
  }
}
