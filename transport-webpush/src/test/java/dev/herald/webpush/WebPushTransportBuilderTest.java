package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class WebPushTransportBuilderTest {
  private static final VapidKeys KEYS = VapidKeys.generate();

  @ParameterizedTest
  @ValueSource(strings = {"mailto:push-ops@herald.dev", "mailto:Ops.Team+push@mail.herald.dev", "https://herald.dev/contact",
      "https://herald.dev"})
  void acceptsReachableContacts(String subject) {
    try (WebPushTransport t = WebPushTransport.builder().vapidKeys(KEYS).subject(subject).build()) {
      assertThat(t.toString()).contains("subject=" + subject);
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "ops@herald.dev | must be a mailto: or https: URI",
      "http://herald.dev | must be a mailto: or https: URI",
      "mailto:nobody | must be mailto:<address> with a valid e-mail address",
      "mailto:@herald.dev | must be mailto:<address> with a valid e-mail address",
      "https:///path | must be an https: URL with a host",
      "mailto:me@localhost | must not name localhost or a local address (push services reject it)",
      "https://localhost:8080 | must not name localhost or a local address (push services reject it)",
      "https://127.0.0.1 | must not name localhost or a local address (push services reject it)",
      "mailto:me@printer.local | must not name localhost or a local address (push services reject it)",
      "mailto:ops@example.com | must not use a placeholder domain (reserved example/test names are rejected by push services; give a contact the push service can reach)",
      "mailto:admin@mail.example.org | must not use a placeholder domain (reserved example/test names are rejected by push services; give a contact the push service can reach)",
      "https://shop.test | must not use a placeholder domain (reserved example/test names are rejected by push services; give a contact the push service can reach)",
      "mailto:you@yourdomain.com | must not use a placeholder domain (reserved example/test names are rejected by push services; give a contact the push service can reach)"})
  void refusesUnreachableOrPlaceholderSubjects(String subject, String problem) {
    assertThatThrownBy(() -> WebPushTransport.builder().subject(subject))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("subject " + problem + ": \"" + subject + "\"");
  }

  @Test
  void refusesSubjectWithSurroundingSpaces() {
    assertThatThrownBy(() -> WebPushTransport.builder().subject(" mailto:ops@herald.dev"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("subject must be a mailto: or https: URI without surrounding spaces: \" mailto:ops@herald.dev\"");
  }

  @Test
  void nullsAreRefusedByName() {
    WebPushTransport.Builder b = WebPushTransport.builder();
    assertThatThrownBy(() -> b.vapidKeys(null)).isInstanceOf(NullPointerException.class).hasMessage("vapidKeys");
    assertThatThrownBy(() -> b.subject(null)).isInstanceOf(NullPointerException.class).hasMessage("subject");
    assertThatThrownBy(() -> b.endpointPolicy(null)).isInstanceOf(NullPointerException.class).hasMessage("endpointPolicy");
    assertThatThrownBy(() -> b.padding(null)).isInstanceOf(NullPointerException.class).hasMessage("padding");
    assertThatThrownBy(() -> b.connectTimeout(null)).isInstanceOf(NullPointerException.class).hasMessage("connectTimeout");
    assertThatThrownBy(() -> b.callTimeout(null)).isInstanceOf(NullPointerException.class).hasMessage("callTimeout");
    assertThatThrownBy(() -> b.vapidTokenLifetime(null)).isInstanceOf(NullPointerException.class).hasMessage("vapidTokenLifetime");
    assertThatThrownBy(() -> b.okHttpClient(null)).isInstanceOf(NullPointerException.class).hasMessage("okHttpClient");
    assertThatThrownBy(() -> b.clock(null)).isInstanceOf(NullPointerException.class).hasMessage("clock");
    assertThatThrownBy(() -> b.payloadEncoder(null)).isInstanceOf(NullPointerException.class).hasMessage("payloadEncoder");
  }

  @Test
  void maxInFlightMustBeInRange() {
    assertThatThrownBy(() -> WebPushTransport.builder().maxInFlight(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxInFlight must be between 1 and 10000: 0");
    assertThatThrownBy(() -> WebPushTransport.builder().maxInFlight(10_001))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxInFlight must be between 1 and 10000: 10001");
  }

  @Test
  void timeoutsMustBePositive() {
    assertThatThrownBy(() -> WebPushTransport.builder().connectTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("connectTimeout must be > 0: PT0S");
    assertThatThrownBy(() -> WebPushTransport.builder().callTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("callTimeout must be > 0: PT-1S");
  }

  @Test
  void tokenLifetimeMustBeFiveMinutesToOneDay() {
    assertThatThrownBy(() -> WebPushTransport.builder().vapidTokenLifetime(Duration.ofHours(25)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("vapidTokenLifetime must be between 5 minutes and 24 hours: PT25H");
    assertThatThrownBy(() -> WebPushTransport.builder().vapidTokenLifetime(Duration.ofMinutes(4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("vapidTokenLifetime must be between 5 minutes and 24 hours: PT4M");
    WebPushTransport.builder().vapidTokenLifetime(Duration.ofHours(24)).vapidTokenLifetime(Duration.ofMinutes(5));
  }

  @Test
  void buildRequiresKeysAndSubject() {
    assertThatThrownBy(() -> WebPushTransport.builder().subject("mailto:ops@herald.dev").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("vapidKeys must be set: load them with VapidKeys.fromPem(...) or VapidKeys.fromBase64Url(...)");
    assertThatThrownBy(() -> WebPushTransport.builder().vapidKeys(KEYS).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("subject must be set: a mailto: or https: contact for the push services");
  }

  @Test
  void connectTimeoutMustNotExceedCallTimeout() {
    assertThatThrownBy(() -> WebPushTransport.builder().vapidKeys(KEYS).subject("mailto:ops@herald.dev")
        .connectTimeout(Duration.ofSeconds(20)).callTimeout(Duration.ofSeconds(5)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("connectTimeout must not exceed callTimeout: PT20S > PT5S");
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    try (WebPushTransport t = WebPushTransport.builder().vapidKeys(KEYS).subject("mailto:ops@herald.dev").build()) {
      assertThat(t.endpointPolicy()).isSameAs(EndpointPolicy.defaults());
      assertThat(t.vapidKeys()).isSameAs(KEYS);
      assertThat(t.vapidTokensSigned()).isZero();
    }
  }

  private static WebPushTransport.Builder named() {
    return WebPushTransport.builder().subject("mailto:ops@herald.dev");
  }

  @Test
  void oneKeyPairIsTheDefaultWhateverItsName() {
    try (WebPushTransport t = named().vapidKeys("site-2026", KEYS).build()) {
      assertThat(t.defaultVapidKey()).isEqualTo("site-2026");
      assertThat(t.vapidKeys()).isSameAs(KEYS);
      assertThat(t.vapidKeyNames()).containsExactly("site-2026");
    }
    try (WebPushTransport t = named().vapidKeys(KEYS).build()) {
      assertThat(t.defaultVapidKey()).isEqualTo(WebPushTransport.DEFAULT_KEY_NAME);
    }
  }

  @Test
  void severalKeyPairsNeedANamedDefaultThatIsOneOfThem() {
    VapidKeys other = VapidKeys.generate();
    assertThatThrownBy(() -> named().vapidKeys("2026", KEYS).vapidKeys("2027", other).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("defaultVapidKey must be set when there are several VAPID key pairs [2026, 2027]: the pair of the"
            + " subscriptions that name none (made before the others were added)");
    assertThatThrownBy(() -> named().vapidKeys("2026", KEYS).vapidKeys("2027", other).defaultVapidKey("2025").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("defaultVapidKey \"2025\" is not one of the VAPID key pairs [2026, 2027]");
    try (WebPushTransport t = named().vapidKeys("2026", KEYS).vapidKeys("2027", other).defaultVapidKey("2026").build()) {
      assertThat(t.vapidKeys()).isSameAs(KEYS);
      assertThat(t.vapidKeys("2027")).isSameAs(other);
      assertThat(t.vapidKeyNames()).containsExactly("2026", "2027");
      assertThatThrownBy(() -> t.vapidKeys("2028")).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("no VAPID key pair named \"2028\": [2026, 2027]");
      assertThat(t.toString()).contains("2026 (default)=").contains("2027=").doesNotContain(KEYS.privateKeyBase64Url());
    }
  }

  @Test
  void theSameKeyPairUnderTwoNamesFailsTheBuildNamingBoth() {
    VapidKeys copy = VapidKeys.fromBase64Url(KEYS.publicKeyBase64Url(), KEYS.privateKeyBase64Url());
    assertThatThrownBy(() -> named().vapidKeys("old", KEYS).vapidKeys("new", copy).defaultVapidKey("old").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("VAPID key pairs 'old' and 'new' are the same key pair: give each name its own pair");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-2026", "two words", "key/2026", "é"})
  void keyPairNamesAreCheckedWhenGiven(String name) {
    assertThatThrownBy(() -> named().vapidKeys(name, KEYS)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("vapidKeys name must be 1-64 of [A-Za-z0-9_.-] starting with a letter or digit: ");
    assertThatThrownBy(() -> named().vapidKeys(null, KEYS)).isInstanceOf(NullPointerException.class).hasMessage("name");
    assertThatThrownBy(() -> named().defaultVapidKey(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("defaultVapidKey");
  }
}
