package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.InvalidInputException;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointPolicyTest {
  private static final EndpointPolicy DEFAULTS = EndpointPolicy.defaults();

  @ParameterizedTest
  @ValueSource(strings = {
      "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH",
      "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
      "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",
      "https://web.push.apple.com/QGx0aP9Bc",
      "https://FCM.googleapis.com/fcm/send/x"})
  void defaultsAllowTheKnownPushServices(String endpoint) {
    DEFAULTS.check(endpoint);
    assertThat(DEFAULTS.allows(endpoint)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "https://notify.windows.com/w/x",
      "https://fcm.googleapis.com.evil.net/fcm/send/x",
      "https://evilfcm.googleapis.com/x",
      "https://push.apple.com.evil.net/x",
      "https://evil.net/fcm.googleapis.com/x"})
  void defaultsRefuseLookalikeHosts(String endpoint) {
    assertThat(DEFAULTS.allows(endpoint)).isFalse();
  }

  @Test
  void unknownHostIsRefusedNamingTheAllowedOnes() {
    assertThatThrownBy(() -> DEFAULTS.check("https://push.evil.net/secret/path"))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.fields()).containsExactly("endpoint"))
        .hasMessage("invalid web push subscription: endpoint host is not an allowed push service: push.evil.net "
            + "(allowed: fcm.googleapis.com, updates.push.services.mozilla.com, *.notify.windows.com, *.push.apple.com)");
  }

  @Test
  void plainHttpIsRefusedUnlessAllowed() {
    assertThatThrownBy(() -> DEFAULTS.check("http://fcm.googleapis.com/fcm/send/abcdefghijkl"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid web push subscription: endpoint must use https (plain http is not allowed by the endpoint "
            + "policy): http://fcm.googleapis.com/fcm/s…(21 chars)");
    EndpointPolicy http = EndpointPolicy.builder().allowKnownPushServices().allowHttp(true).build();
    assertThat(http.allows("http://fcm.googleapis.com/fcm/send/x")).isTrue();
  }

  @Test
  void userInfoIsRefused() {
    assertThatThrownBy(() -> DEFAULTS.check("https://admin:pw@fcm.googleapis.com/fcm/send/x"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid web push subscription: endpoint must not contain user info: https://…@fcm.googleapis.com");
  }

  @Test
  void malformedUrlIsRefused() {
    assertThatThrownBy(() -> DEFAULTS.check("ftp://fcm.googleapis.com/x"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid web push subscription: endpoint must be an absolute https URL: ftp://fcm.googleapis.com/…(1 chars)");
    assertThatThrownBy(() -> DEFAULTS.check(null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid web push subscription: endpoint is required");
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://127.0.0.1/x", "https://127.1.2.3:8443/x", "https://[::1]/x", "https://localhost/x",
      "https://push.localhost/x"})
  void loopbackIsRefusedUnlessAllowedEvenWhenListed(String endpoint) {
    EndpointPolicy listed = EndpointPolicy.builder().allowHosts(List.of("127.0.0.1", "localhost")).build();
    assertThatThrownBy(() -> listed.check(endpoint))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("invalid web push subscription: endpoint must not be a loopback address (not allowed by "
            + "the endpoint policy): ");
    EndpointPolicy loopback = EndpointPolicy.builder().allowLoopback(true).build();
    assertThat(loopback.allows(endpoint)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://10.0.0.7/x", "https://192.168.1.1/x", "https://172.16.5.4/x", "https://169.254.169.254/latest",
      "https://100.64.0.1/x", "https://[fd00::1]/x", "https://[fe80::1]/x"})
  void privateAddressLiteralsAreRefused(String endpoint) {
    EndpointPolicy policy = EndpointPolicy.builder().allowKnownPushServices().allowLoopback(true).build();
    assertThatThrownBy(() -> policy.check(endpoint))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("invalid web push subscription: endpoint must not be a private-network address (not "
            + "allowed by the endpoint policy): ");
  }

  @Test
  void privateNetworksNeedBothTheFlagAndTheHost() {
    EndpointPolicy flagOnly = EndpointPolicy.builder().allowKnownPushServices().allowPrivateNetworks(true).build();
    assertThat(flagOnly.allows("https://10.0.0.7/x")).isFalse();
    EndpointPolicy both = EndpointPolicy.builder().allowHost("10.0.0.7").allowPrivateNetworks(true).build();
    assertThat(both.allows("https://10.0.0.7/x")).isTrue();
  }

  @Test
  void publicAddressLiteralMustBeListed() {
    assertThat(DEFAULTS.allows("https://142.250.1.95/fcm/send/x")).isFalse();
  }

  @Test
  void wildcardMatchesSubdomainsOnly() {
    EndpointPolicy p = EndpointPolicy.builder().allowHost("*.push.herald.dev").build();
    assertThat(p.allows("https://eu.push.herald.dev/x")).isTrue();
    assertThat(p.allows("https://a.b.push.herald.dev/x")).isTrue();
    assertThat(p.allows("https://push.herald.dev/x")).isFalse();
    assertThat(p.allows("https://evilpush.herald.dev/x")).isFalse();
  }

  @Test
  void resolvedAddressesAreClassified() throws Exception {
    assertThat(DEFAULTS.allowsAddress(InetAddress.getByName("142.250.1.95"))).isTrue();
    assertThat(DEFAULTS.allowsAddress(InetAddress.getByName("2a00:1450:4001::200e"))).isTrue();
    for (String forbidden : List.of("127.0.0.1", "::1", "10.1.2.3", "172.31.0.1", "192.168.0.1", "169.254.169.254",
        "100.100.100.200", "0.0.0.0", "::", "fc00::1", "fe80::1", "224.0.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1")) {
      assertThat(DEFAULTS.allowsAddress(InetAddress.getByName(forbidden))).as(forbidden).isFalse();
    }
    EndpointPolicy open = EndpointPolicy.builder().allowKnownPushServices().allowLoopback(true).allowPrivateNetworks(true).build();
    assertThat(open.allowsAddress(InetAddress.getByName("127.0.0.1"))).isTrue();
    assertThat(open.allowsAddress(InetAddress.getByName("10.1.2.3"))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://push.herald.dev", "push.herald.dev:443", "push.herald.dev/path", "*", "*.", "a.*.dev",
      "", "-bad.dev", "push_herald.dev"})
  void hostPatternMustBeAHostNameOrWildcard(String pattern) {
    assertThatThrownBy(() -> EndpointPolicy.builder().allowHost(pattern))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hostPattern must be a host name or *.domain: \"" + pattern + "\"");
  }

  @Test
  void nullHostPatternIsRefused() {
    assertThatThrownBy(() -> EndpointPolicy.builder().allowHost(null))
        .isInstanceOf(NullPointerException.class).hasMessage("hostPattern");
    assertThatThrownBy(() -> EndpointPolicy.builder().allowHosts(null))
        .isInstanceOf(NullPointerException.class).hasMessage("hostPatterns");
  }

  @Test
  void hostPatternsAreCaseInsensitive() {
    EndpointPolicy p = EndpointPolicy.builder().allowHost("Push.Herald.DEV").build();
    assertThat(p.hosts()).containsExactly("push.herald.dev");
    assertThat(p.allows("https://PUSH.herald.dev/x")).isTrue();
  }

  @Test
  void policyThatAllowsNothingIsRefused() {
    assertThatThrownBy(() -> EndpointPolicy.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("endpoint policy allows no host: add allowKnownPushServices(), allowHost(...) or, for tests, allowLoopback(true)");
  }

  @Test
  void describesItself() {
    assertThat(EndpointPolicy.builder().allowHost("push.herald.dev").allowHttp(true).build().toString())
        .isEqualTo("EndpointPolicy[hosts=[push.herald.dev], allowHttp=true, allowLoopback=false, allowPrivateNetworks=false]");
  }
}
