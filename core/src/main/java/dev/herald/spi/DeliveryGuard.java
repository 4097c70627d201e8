package dev.herald.spi;

import dev.herald.Delivery;
import java.util.Objects;

/**
 * A host callback asked immediately before each send, so that a notification the host no longer
 * wants ("the schedule was cancelled", "it already started") is not sent. A veto finishes the
 * delivery as cancelled with the guard's reason.
 *
 * <p>Called on one of the engine's dispatch threads; may query the host's database. A guard that
 * throws is treated as a transient failure of that delivery (it is retried), never as a veto.
 */
@FunctionalInterface
public interface DeliveryGuard {

  /** Decides whether this delivery may be sent now. */
  Verdict check(Delivery delivery);

  /** A guard that lets everything through. */
  static DeliveryGuard allowAll() {
    return d -> Verdict.PROCEED;
  }

  /** The guard's decision. */
  sealed interface Verdict {
    /** Send it. */
    Verdict PROCEED = new Proceed();

    /** Send it. */
    static Verdict proceed() {
      return PROCEED;
    }

    /** Do not send it; finish it as cancelled with this reason. */
    static Verdict veto(String reason) {
      return new Veto(reason);
    }

    /** Send it. */
    record Proceed() implements Verdict {}

    /**
     * Do not send it.
     *
     * @param reason recorded on the delivery and told to the listener
     */
    record Veto(String reason) implements Verdict {
      /** Requires a reason. */
      public Veto {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }
}
