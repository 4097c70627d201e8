package dev.herald.internal;

import dev.herald.Outcome;
import dev.herald.store.Completion;
import dev.herald.store.Resolution;
import java.time.Duration;

/**
 * Makes what the engine records safe for any store. Outcomes come from outside (a push service's
 * headers and body, an OAuth2 error), so their texts may hold NUL (which PostgreSQL refuses),
 * unpaired surrogates (which UTF-8 cannot encode), line breaks or megabytes; they are made storable
 * once, as they arrive. And when a store still refuses a completion, its minimal form keeps only
 * what decides the delivery's fate (the state, the retry delay), in fixed ASCII.
 */
public final class Recordable {
  /** Most characters of a provider's message id kept. */
  public static final int MAX_PROVIDER_ID = 255;
  /** Longest delay recorded: far beyond any the engine chooses, within what every database can add to now. */
  public static final Duration MAX_DELAY = Duration.ofDays(3650);

  private static final String MINIMAL = "recorded without its details: the store refused them";

  /**
   * A completion no delivery can match (the store contract makes it stale and changes nothing):
   * asking the store to record it shows whether the store is reachable at all.
   */
  public static final Completion PROBE = new Completion(Long.MIN_VALUE, Long.MIN_VALUE,
      new Resolution.Release(Duration.ZERO, "probe"));

  private Recordable() {}

  /** The outcome with its texts made storable: escaped, repaired, bounded. */
  public static Outcome outcome(Outcome o) {
    if (o instanceof Outcome.Delivered d) {
      String id = Texts.storable(d.providerId(), MAX_PROVIDER_ID);
      return id == null ? o : id.equals(d.providerId()) ? o : new Outcome.Delivered(id);
    }
    String raw = Texts.storable(o.rawCode(), Outcome.MAX_RAW_CODE);
    String reason = Texts.storable(o.reason(), Outcome.MAX_REASON);
    if (java.util.Objects.equals(raw, o.rawCode()) && reason.equals(o.reason())) {
      return o;
    }
    if (o instanceof Outcome.Retry r) {
      return new Outcome.Retry(r.retryAfter(), raw, reason);
    } else if (o instanceof Outcome.Rejected) {
      return new Outcome.Rejected(raw, reason);
    } else if (o instanceof Outcome.TargetGone) {
      return new Outcome.TargetGone(raw, reason);
    } else if (o instanceof Outcome.ChannelUnavailable cu) {
      return new Outcome.ChannelUnavailable(cu.retryAfter(), raw, reason);
    } else if (o instanceof Outcome.NotSent) {
      return new Outcome.NotSent(reason);
    }
    throw new IllegalArgumentException("unknown outcome " + o.getClass().getName());
  }

  /** A text of the engine's own (a guard's reason, why it released) made storable. */
  public static String text(String s) {
    return Texts.storable(s, Outcome.MAX_REASON);
  }

  /** A delay no store can fail to add to its clock. */
  public static Duration delay(Duration d) {
    if (d.isNegative()) {
      return Duration.ZERO;
    }
    return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
  }

  /** The same resolution without any text from outside: the last form tried before giving up on it. */
  public static Resolution minimal(Resolution r) {
    if (r instanceof Resolution.Delivered) {
      return new Resolution.Delivered(null);
    } else if (r instanceof Resolution.Retry retry) {
      return new Resolution.Retry(delay(retry.delay()), new Outcome.Retry(null, null, MINIMAL));
    } else if (r instanceof Resolution.Dead) {
      return new Resolution.Dead(new Outcome.Rejected(null, MINIMAL));
    } else if (r instanceof Resolution.Cancelled) {
      return new Resolution.Cancelled(MINIMAL);
    } else if (r instanceof Resolution.Expired) {
      return r;
    } else if (r instanceof Resolution.TargetGone tg) {
      return new Resolution.TargetGone(new Outcome.TargetGone(null, MINIMAL), tg.invalidateDevice());
    } else if (r instanceof Resolution.Release rel) {
      return new Resolution.Release(delay(rel.delay()), MINIMAL);
    }
    throw new IllegalArgumentException("unknown resolution " + r.getClass().getName());
  }
}
