package dev.herald.spi;

import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.Scope;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks what the transports will accept before anything is stored: a device target against its
 * channel's rules (the Web Push endpoint policy, say) and a notification's content against every
 * channel it may go to (payload limits, reserved keys). Stores call it on enqueue and register, so
 * a notification no transport could send fails at once instead of becoming a dead letter later.
 * It also names the {@link Scope} of a target's deliveries, which a store records with them.
 *
 * <pre>{@code
 * InputValidator validator = InputValidator.of(List.of(fcm, webPush));
 * JdbcOutbox outbox = JdbcOutbox.builder(db).validator(validator).build();
 * }</pre>
 *
 * <p>Implementations throw {@link InvalidInputException} naming the field; they are thread-safe.
 */
public interface InputValidator {

  /** Checks a device target before it is registered or enqueued. The default accepts it. */
  default void validate(DeviceTarget target) {}

  /**
   * Checks a notification before it is enqueued: an explicit device with its channel's transport,
   * the content with the transport of that channel, or, for a recipient id whose devices are not
   * known yet, with every transport. The default accepts it.
   */
  default void validate(Notification notification) {}

  /**
   * The scope of the deliveries to an accepted target ({@link Transport#scope}); never throws. The
   * default, and {@link #none()}, is the target channel's one scope.
   */
  default Scope scope(DeviceTarget target) {
    return Scope.of(target.channel());
  }

  /** Accepts everything the model's own validation accepts; every target is in its channel's one scope. */
  static InputValidator none() {
    return new InputValidator() {};
  }

  /** Validates with these transports; a target of a channel none of them serves is refused. */
  static InputValidator of(Collection<? extends Transport> transports) {
    Map<Channel, Transport> byChannel = new LinkedHashMap<>();
    for (Transport t : transports) {
      byChannel.put(t.channel(), t);
    }
    return new InputValidator() {
      @Override
      public void validate(DeviceTarget target) {
        transportFor(target, "channel").validate(target);
      }

      @Override
      public Scope scope(DeviceTarget target) {
        Transport t = byChannel.get(target.channel());
        if (t == null) {
          return Scope.of(target.channel());
        }
        try {
          Scope s = t.scope(target);
          // A transport's mistake must not make a target unstorable: it then has its channel's one scope.
          return s != null && s.channel().equals(target.channel()) ? s : Scope.of(target.channel());
        } catch (RuntimeException e) {
          return Scope.of(target.channel());
        }
      }

      @Override
      public void validate(Notification n) {
        if (n.recipient() instanceof Recipient.ToDevice td) {
          Transport t = transportFor(td.target(), "recipient.target.channel");
          t.validate(td.target());
          t.validate(n);
        } else {
          for (Transport t : byChannel.values()) {
            t.validate(n);
          }
        }
      }

      private Transport transportFor(DeviceTarget target, String field) {
        Transport t = byChannel.get(target.channel());
        if (t == null) {
          throw new InvalidInputException("device target", List.of(new InvalidInputException.Problem(field,
              "has no transport configured: " + target.channel() + " (configured: " + byChannel.keySet() + ")")));
        }
        return t;
      }
    };
  }
}
