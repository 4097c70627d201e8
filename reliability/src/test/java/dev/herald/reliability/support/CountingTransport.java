package dev.herald.reliability.support;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeviceTarget;
import dev.herald.Outcome;
import dev.herald.spi.Transport;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/** A transport that counts the sends the engine asks of the real one it wraps. */
public final class CountingTransport implements Transport {
  private final Transport delegate;
  private final AtomicLong sends = new AtomicLong();

  /** Wraps {@code delegate}. */
  public CountingTransport(Transport delegate) {
    this.delegate = delegate;
  }

  /** Sends asked for so far. */
  public long sends() {
    return sends.get();
  }

  @Override
  public Channel channel() {
    return delegate.channel();
  }

  @Override
  public CompletionStage<Outcome> send(Delivery delivery) {
    sends.incrementAndGet();
    return delegate.send(delivery);
  }

  @Override
  public void validate(DeviceTarget target) {
    delegate.validate(target);
  }

  @Override
  public void validate(dev.herald.Notification notification) {
    delegate.validate(notification);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
