package dev.herald.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.internal.IpAddresses.Kind;
import org.junit.jupiter.api.Test;

class IpAddressesTest {

  static Kind kind(String literal) {
    return IpAddresses.kind(IpAddresses.literal(literal));
  }

  @Test
  void onlyStrictLiteralsAreLiterals() {
    assertThat(IpAddresses.literal("127.0.0.1")).isNotNull();
    assertThat(IpAddresses.literal("::1")).isNotNull();
    assertThat(IpAddresses.literal("[::1]")).isNotNull();
    assertThat(IpAddresses.literal("[fe80::1]")).isNotNull();
    for (String name : new String[] {"127.attacker.example", "127.1", "0x7f.0.0.1", "0177.0.0.1x", "127.0.0.1.nip.io",
        "localhost", "fcm.googleapis.com", "", "1.2.3.4.5", "256.0.0.1", "[::1", "a:b:c:g::1", "::1%eth0"}) {
      assertThat(IpAddresses.literal(name)).as(name).isNull();
    }
  }

  @Test
  void kindsOfAddress() {
    assertThat(kind("0.0.0.0")).isEqualTo(Kind.UNSPECIFIED);
    assertThat(kind("0.1.2.3")).isEqualTo(Kind.UNSPECIFIED);
    assertThat(kind("::")).isEqualTo(Kind.UNSPECIFIED);
    assertThat(kind("::ffff:0.0.0.0")).isEqualTo(Kind.UNSPECIFIED);
    assertThat(kind("127.0.0.1")).isEqualTo(Kind.LOOPBACK);
    assertThat(kind("127.255.0.9")).isEqualTo(Kind.LOOPBACK);
    assertThat(kind("::1")).isEqualTo(Kind.LOOPBACK);
    assertThat(kind("::ffff:127.0.0.1")).isEqualTo(Kind.LOOPBACK);
    assertThat(kind("::127.0.0.1")).isEqualTo(Kind.LOOPBACK);
    assertThat(kind("169.254.169.254")).isEqualTo(Kind.PRIVATE);
    assertThat(kind("10.0.0.7")).isEqualTo(Kind.PRIVATE);
    assertThat(kind("172.16.0.1")).isEqualTo(Kind.PRIVATE);
    assertThat(kind("192.168.1.1")).isEqualTo(Kind.PRIVATE);
    assertThat(kind("100.64.0.1")).isEqualTo(Kind.PRIVATE);
    assertThat(kind("224.0.0.1")).isEqualTo(Kind.PRIVATE);
    assertThat(kind("255.255.255.255")).isEqualTo(Kind.PRIVATE);
    assertThat(kind("fc00::1")).isEqualTo(Kind.PRIVATE);
    assertThat(kind("fe80::1")).isEqualTo(Kind.PRIVATE);
    assertThat(kind("64:ff9b::10.0.0.1")).isEqualTo(Kind.PRIVATE);
    assertThat(kind("::ffff:169.254.169.254")).isEqualTo(Kind.PRIVATE);
    assertThat(kind("8.8.8.8")).isEqualTo(Kind.PUBLIC);
    assertThat(kind("2001:4860:4860::8888")).isEqualTo(Kind.PUBLIC);
  }

  @Test
  void loopbackHostsForPlainHttp() {
    assertThat(IpAddresses.isLoopbackHost("localhost")).isTrue();
    assertThat(IpAddresses.isLoopbackHost("LocalHost")).isTrue();
    assertThat(IpAddresses.isLoopbackHost("127.0.0.1")).isTrue();
    assertThat(IpAddresses.isLoopbackHost("[::1]")).isTrue();
    assertThat(IpAddresses.isLoopbackHost("127.attacker.example")).isFalse();
    assertThat(IpAddresses.isLoopbackHost("localhost.attacker.example")).isFalse();
    assertThat(IpAddresses.isLoopbackHost("x.localhost")).isFalse();
    assertThat(IpAddresses.isLoopbackHost("0.0.0.0")).isFalse();
  }
}
