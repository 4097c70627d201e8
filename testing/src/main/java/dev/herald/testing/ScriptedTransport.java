package dev.herald.testing;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeviceTarget;
import dev.herald.Scope;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.spi.Transport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A transport that answers from a script (then a default), records every send and can throw or
 * fail on request. Thread-safe.
 */
public final class ScriptedTransport implements Transport {
  private final Channel channel;
  private final Deque<Function<Delivery, CompletionStage<Outcome>>> script = new ArrayDeque<>();
  private Function<Delivery, CompletionStage<Outcome>> fallback =
      d -> CompletableFuture.completedFuture(new Outcome.Delivered("id-" + d.deliveryId()));
  private final List<Delivery> sent = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean closed;
  private volatile Consumer<Notification> contentCheck = n -> {};
  private volatile Function<DeviceTarget, Scope> scopes;

  /** A transport for {@code channel} that delivers everything until scripted otherwise. */
  public ScriptedTransport(Channel channel) {
    this.channel = channel;
  }

  /** The next unscripted send answers {@code outcome}. */
  public synchronized ScriptedTransport then(Outcome outcome) {
    script.add(d -> CompletableFuture.completedFuture(outcome));
    return this;
  }

  /** The next unscripted send throws {@code e} from {@code send} itself. */
  public synchronized ScriptedTransport thenThrow(RuntimeException e) {
    script.add(d -> {
      throw e;
    });
    return this;
  }

  /** The next unscripted send returns a stage failed with {@code t}. */
  public synchronized ScriptedTransport thenFail(Throwable t) {
    script.add(d -> CompletableFuture.failedFuture(t));
    return this;
  }

  /** The next unscripted send answers with the stage {@code f} makes (complete it later to model a slow service). */
  public synchronized ScriptedTransport thenStage(Function<Delivery, CompletionStage<Outcome>> f) {
    script.add(f);
    return this;
  }

  /** Once the script is used up, every send answers {@code outcome}. */
  public synchronized ScriptedTransport always(Outcome outcome) {
    fallback = d -> CompletableFuture.completedFuture(outcome);
    return this;
  }

  /** Once the script is used up, every send answers with the stage {@code f} makes. */
  public synchronized ScriptedTransport always(Function<Delivery, CompletionStage<Outcome>> f) {
    fallback = f;
    return this;
  }

  /**
   * Checks content as a real transport's {@link Transport#validate(Notification)} does (throw
   * {@link dev.herald.InvalidInputException} to refuse): so a test can show that what a transport
   * refuses is refused before anything is stored.
   */
  public ScriptedTransport validatingWith(Consumer<Notification> check) {
    this.contentCheck = Objects.requireNonNull(check, "check");
    return this;
  }

  /**
   * Names the scope of each target as a real transport with scopes does (a push service's origin, a
   * credential); default the channel's one scope.
   */
  public ScriptedTransport scopedBy(Function<DeviceTarget, Scope> scopeOf) {
    this.scopes = Objects.requireNonNull(scopeOf, "scopeOf");
    return this;
  }

  @Override
  public Scope scope(DeviceTarget target) {
    Function<DeviceTarget, Scope> f = scopes;
    return f == null ? Scope.of(channel) : f.apply(target);
  }

  @Override
  public void validate(Notification notification) {
    contentCheck.accept(notification);
  }

  @Override
  public Channel channel() {
    return channel;
  }

  @Override
  public CompletionStage<Outcome> send(Delivery delivery) {
    sent.add(delivery);
    Function<Delivery, CompletionStage<Outcome>> f;
    synchronized (this) {
      f = script.isEmpty() ? fallback : script.poll();
    }
    return f.apply(delivery);
  }

  /** Every delivery sent so far, in order. */
  public List<Delivery> sent() {
    synchronized (sent) {
      return List.copyOf(sent);
    }
  }

  /** How many sends were made. */
  public int sendCount() {
    return sent.size();
  }

  /** Whether {@link #close()} was called. */
  public boolean closed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
  }
}
