package dev.herald.spring.boot.autoconfigure;

import dev.herald.webpush.WebPushTransport;

/**
 * Adjusts the {@link WebPushTransport.Builder} of the auto-configured Web Push transport after the
 * {@code herald.web-push.*} properties were applied: a payload encoder or a shared OkHttp client, for
 * example. Define it as a bean; several run in {@code @Order}.
 */
@FunctionalInterface
public interface WebPushTransportBuilderCustomizer {
  /** Adjusts the builder. */
  void customize(WebPushTransport.Builder builder);
}
