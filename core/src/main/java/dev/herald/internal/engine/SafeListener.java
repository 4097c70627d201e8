package dev.herald.internal.engine;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.Outcome;
import dev.herald.Scope;
import dev.herald.spi.DeliveryListener;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans events out to the host's listeners and swallows whatever they throw: a broken metrics
 * adapter must never change what is delivered or recorded.
 */
public final class SafeListener implements DeliveryListener {
  private static final Logger log = LoggerFactory.getLogger(SafeListener.class);
  private final List<DeliveryListener> listeners;
  // A listener that throws on every event must not flood the log with a stack trace per delivery.
  private final LogThrottle logs = new LogThrottle(java.time.Duration.ofSeconds(10), 10);

  /** Wraps these listeners, called in order. */
  public SafeListener(List<DeliveryListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  private void each(String event, Consumer<DeliveryListener> call) {
    for (DeliveryListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException | LinkageError e) {
        LogThrottle.Decision d = logs.admit(LogThrottle.kindOf(l.getClass().getName() + "." + event, e));
        if (d.verdict() == LogThrottle.Verdict.FIRST) {
          log.warn("Herald listener {} threw from {}; ignored", l.getClass().getName(), event, e);
        } else if (d.log()) {
          log.warn("Herald listener {} threw from {} ({} more times since the last report; ignored): {}",
              l.getClass().getName(), event, d.suppressed(), e.toString());
        }
      }
    }
  }

  @Override
  public void claimed(Delivery d) {
    each("claimed", l -> l.claimed(d));
  }

  @Override
  public void sendCompleted(Delivery d, Outcome o, Duration elapsed) {
    each("sendCompleted", l -> l.sendCompleted(d, o, elapsed));
  }

  @Override
  public void delivered(Delivery d, Outcome.Delivered o) {
    each("delivered", l -> l.delivered(d, o));
  }

  @Override
  public void retryScheduled(Delivery d, Outcome cause, Duration delay) {
    each("retryScheduled", l -> l.retryScheduled(d, cause, delay));
  }

  @Override
  public void dead(Delivery d, Outcome cause) {
    each("dead", l -> l.dead(d, cause));
  }

  @Override
  public void cancelled(Delivery d, String reason) {
    each("cancelled", l -> l.cancelled(d, reason));
  }

  @Override
  public void expired(Delivery d) {
    each("expired", l -> l.expired(d));
  }

  @Override
  public void targetInvalidated(Delivery d, Outcome.TargetGone cause) {
    each("targetInvalidated", l -> l.targetInvalidated(d, cause));
  }

  @Override
  public void channelPaused(Channel c, Outcome cause, Duration pausedFor) {
    each("channelPaused", l -> l.channelPaused(c, cause, pausedFor));
  }

  @Override
  public void channelResumed(Channel c) {
    each("channelResumed", l -> l.channelResumed(c));
  }

  @Override
  public void scopePaused(Scope s, Outcome cause, Duration pausedFor) {
    each("scopePaused", l -> l.scopePaused(s, cause, pausedFor));
  }

  @Override
  public void scopeResumed(Scope s) {
    each("scopeResumed", l -> l.scopeResumed(s));
  }

  @Override
  public void staleCompletionDiscarded(Delivery d, Outcome o) {
    each("staleCompletionDiscarded", l -> l.staleCompletionDiscarded(d, o));
  }

  @Override
  public void released(Delivery d, String why) {
    each("released", l -> l.released(d, why));
  }

  @Override
  public void sendNotStarted(Delivery d, String reason) {
    each("sendNotStarted", l -> l.sendNotStarted(d, reason));
  }

  @Override
  public void outcomeAfterLeaseExpiry(Delivery d, Outcome o, Duration overdue) {
    each("outcomeAfterLeaseExpiry", l -> l.outcomeAfterLeaseExpiry(d, o, overdue));
  }
}
