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
}
