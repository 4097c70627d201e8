package dev.herald.webpush;

import dev.herald.Delivery;
import dev.herald.internal.Redact;
import dev.herald.webpush.internal.PayloadJson;
import java.net.URI;
import java.util.Objects;

/**
 * How the plaintext of a Web Push message is laid out. Choose one per transport or per subscription
 * with {@link WebPushTransport.Builder#payloadFormat}.
 *
 * <ul>
 *   <li>{@link #serviceWorker()}, the default: a JSON object a service worker passes to
 *     {@code showNotification}:
 *     <pre>{@code {"title":"…","body":"…","data":{"k":"v","herald_id":"…"},"image":"https://…","clickUrl":"https://…","tag":"…"}}</pre>
 *     (absent fields omitted; {@code data} always holds the notification id).
 *   <li>{@link #declarative(URI)}: Declarative Web Push, which Safari 18.4 and later shows without
 *     running a service worker:
 *     <pre>{@code {"web_push":8030,"notification":{"title":"…","body":"…","navigate":"https://…","tag":"…","image":"https://…","data":{"k":"v","herald_id":"…"}}}}</pre>
 *     {@code navigate} (required by the format) is the content's http(s) click URL, or the
 *     format's default. A browser without Declarative Web Push hands this JSON to the service
 *     worker, which must then read {@code notification} (the example service worker does). Content
 *     without a title has nothing to declare and is sent in the service-worker format.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface PayloadFormat {

  /** The service-worker JSON; the default. */
  static PayloadFormat serviceWorker() {
    return ServiceWorker.INSTANCE;
  }

  /**
   * Declarative Web Push ({@code "web_push": 8030}).
   *
   * @param defaultNavigate where a click leads when the content has no http(s) click URL: an
   *     absolute http or https URL, usually your site's page for notifications
   * @throws IllegalArgumentException when it is not such a URL
   */
  static PayloadFormat declarative(URI defaultNavigate) {
    return new Declarative(defaultNavigate);
  }

  /** The plaintext of one delivery in this format, UTF-8 JSON. */
  byte[] encode(Delivery delivery);

  /** The service-worker JSON (see {@link PayloadFormat}). */
  final class ServiceWorker implements PayloadFormat {
    private static final ServiceWorker INSTANCE = new ServiceWorker();

    private ServiceWorker() {}

    @Override
    public byte[] encode(Delivery delivery) {
      return PayloadJson.encode(delivery.content(), delivery.collapseKey(), delivery.notificationId());
    }

    @Override
    public String toString() {
      return "PayloadFormat.serviceWorker";
    }
  }

  /**
   * Declarative Web Push (see {@link PayloadFormat}).
   *
   * @param defaultNavigate the {@code navigate} URL when the content has no http(s) click URL
   */
  record Declarative(URI defaultNavigate) implements PayloadFormat {
    /** Validates. */
    public Declarative {
      Objects.requireNonNull(defaultNavigate, "defaultNavigate");
      if (!PayloadJson.navigable(defaultNavigate)) {
        throw new IllegalArgumentException("defaultNavigate must be an absolute http or https URL: "
            + Redact.quote(defaultNavigate.toString(), 80));
      }
    }

    @Override
    public byte[] encode(Delivery delivery) {
      if (delivery.content().title() == null || delivery.content().title().isEmpty()) {
        return ServiceWorker.INSTANCE.encode(delivery);
      }
      return PayloadJson.declarative(delivery.content(), delivery.collapseKey(), delivery.notificationId(), defaultNavigate);
    }
  }
}
