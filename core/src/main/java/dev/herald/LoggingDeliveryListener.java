package dev.herald;

import dev.herald.spi.DeliveryListener;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every engine event through SLF4J (logger {@code dev.herald.deliveries}): successes at DEBUG,
 * retries and releases at INFO, dead letters, invalidations and paused channels at WARN. Targets are
 * redacted. Register it with {@link Herald.Builder#listener}.
 */
public class LoggingDeliveryListener implements DeliveryListener {
  private static final Logger log = LoggerFactory.getLogger("dev.herald.deliveries");

  /** Creates the listener. */
  public LoggingDeliveryListener() {}

  @Override
  public void delivered(Delivery d, Outcome.Delivered o) {
    log.debug("delivered {} (provider id {})", d, o.providerId());
  }

  @Override
  public void retryScheduled(Delivery d, Outcome cause, Duration delay) {
    log.info("retrying {} in {} ms: {}", d, delay.toMillis(), cause.describe());
  }

  @Override
  public void dead(Delivery d, Outcome cause) {
    log.warn("gave up {}: {}", d, cause.describe());
  }

  @Override
  public void cancelled(Delivery d, String reason) {
    log.info("cancelled {}: {}", d, reason);
  }

  @Override
  public void expired(Delivery d) {
    log.info("expired {}", d);
  }

  @Override
  public void targetInvalidated(Delivery d, Outcome.TargetGone cause) {
    log.warn("device gone, invalidated {}: {}", d.target(), cause.describe());
  }

  @Override
  public void channelPaused(Channel c, Outcome cause, Duration pausedFor) {
    log.warn("channel {} paused for {} s: {}", c, pausedFor.toSeconds(), cause.describe());
  }

  @Override
  public void channelResumed(Channel c) {
    log.info("channel {} resumed", c);
  }

  @Override
  public void staleCompletionDiscarded(Delivery d, Outcome o) {
    log.info("discarded stale completion of {}: its lease had been taken over", d);
  }

  @Override
  public void released(Delivery d, String why) {
    log.debug("released {}: {}", d, why);
  }
}
