package dev.herald.spring.boot.autoconfigure;

import dev.herald.fcm.FcmTransport;

/**
 * Adjusts the {@link FcmTransport.Builder} of the auto-configured FCM transport after the
 * {@code herald.fcm.*} properties were applied: a shared OkHttp client or a clock, for example.
 * Define it as a bean; several run in {@code @Order}.
 */
@FunctionalInterface
public interface FcmTransportBuilderCustomizer {
  /** Adjusts the builder. */
  void customize(FcmTransport.Builder builder);
}
