package dev.herald.examples.webhook;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Outcome;
import dev.herald.spi.Transport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Delivers notifications as HTTP POSTs signed with HMAC-SHA256 ({@code X-Herald-Signature}), to
 * targets {@code new DeviceTarget.Custom(SignedWebhookTransport.CHANNEL, "https://hooks.example/...")}.
 * Built only on the public SPI with the JDK's HTTP client. Maps 2xx to delivered, 410 to target gone,
 * 401/403 to channel unavailable, 429/5xx and I/O errors to retry, other 4xx to rejected.
 */
public final class SignedWebhookTransport implements Transport {
  /** The channel this transport serves. */
  public static final Channel CHANNEL = Channel.of("webhook");

  private final byte[] secret;
  private final HttpClient client;
  private final boolean allowHttp;

  /**
   * A transport signing with {@code secret}.
   *
   * @param secret the shared HMAC key, at least 32 bytes
   * @param allowHttp accept plain http targets (tests and demos only)
   */
  public SignedWebhookTransport(byte[] secret, boolean allowHttp) {
    if (secret == null || secret.length < 32) {
      throw new IllegalArgumentException("secret must be at least 32 bytes: " + (secret == null ? "null" : secret.length));
    }
    this.secret = secret.clone();
    this.allowHttp = allowHttp;
    this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  @Override
  public Channel channel() {
    return CHANNEL;
  }

  @Override
  public void validate(DeviceTarget target) {
    URI uri;
    try {
      uri = URI.create(target.address());
    } catch (IllegalArgumentException e) {
      throw problem("must be a URL");
    }
    String scheme = uri.getScheme();
    if (!("https".equals(scheme) || (allowHttp && "http".equals(scheme))) || uri.getHost() == null) {
      throw problem("must be an https URL" + (allowHttp ? " or http URL" : ""));
    }
  }

  private static InvalidInputException problem(String what) {
    return new InvalidInputException("webhook target", List.of(new InvalidInputException.Problem("address", what)));
  }

  /**
   * The longest a send can take (5 s to connect, 10 s for the answer), so that the engine starts
   * one only while its claim's lease leaves that much. Optional: without it the engine checks only
   * that the lease has not run out.
   */
  @Override
  public Duration sendTimeout() {
    return Duration.ofSeconds(15);
  }

  @Override
  public CompletionStage<Outcome> send(Delivery d) {
    validate(d.target());
    String body = json(Map.of(
        "key", d.notificationKey(),
        "id", d.notificationId(),
        "tag", d.collapseKey(),
        "title", String.valueOf(d.content().title()),
        "body", String.valueOf(d.content().body())));
    HttpRequest request = HttpRequest.newBuilder(URI.create(d.target().address()))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", d.notificationId()) // lets the receiver drop a repeat
        .header("X-Herald-Signature", "sha256=" + sign(body))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((resp, ex) -> {
      if (ex != null) {
        return Outcome.retry(null, "I/O: " + ex.getClass().getSimpleName());
      }
      int s = resp.statusCode();
      String code = String.valueOf(s);
      if (s >= 200 && s < 300) {
        return Outcome.delivered(resp.headers().firstValue("X-Request-Id").orElse(null));
      } else if (s == 410) {
        return Outcome.targetGone(code, "webhook gone");
      } else if (s == 401 || s == 403) {
        return Outcome.channelUnavailable(code, "signature rejected");
      } else if (s == 429 || s >= 500) {
        Duration after = resp.headers().firstValue("Retry-After").map(v -> {
          try {
            return Duration.ofSeconds(Long.parseLong(v.trim()));
          } catch (NumberFormatException e) {
            return null;
          }
        }).orElse(null);
        return Outcome.retry(after, code, "webhook busy");
      }
      return Outcome.rejected(code, "webhook refused the message");
    });
  }

  /** The hex HMAC-SHA256 of {@code body} with this transport's secret. */
  public String sign(String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
    }
  }

  private static String json(Map<String, String> fields) {
    // Any JSON library will do; nimbus-jose-jwt's is already on the class path of Herald's transports.
    return com.nimbusds.jose.util.JSONObjectUtils.toJSONString(new java.util.TreeMap<String, Object>(fields));
  }

  @Override
  public String toString() {
    return "SignedWebhookTransport[secret=<redacted>]";
  }
}
