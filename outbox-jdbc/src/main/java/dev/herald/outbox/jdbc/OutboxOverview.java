package dev.herald.outbox.jdbc;

import dev.herald.Channel;
import dev.herald.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What an operator looks at first: per channel, the open work (pending, due now, retrying, in
 * flight), the dead letters, what finished within the last {@link #RECENT_WINDOW}, the age of the
 * oldest due delivery, and deliveries finished per minute over the last {@link #THROUGHPUT_MINUTES}
 * minutes. Read by {@link OutboxAdmin#overview()}.
 *
 * <p>Open work is counted per channel from the claim index, which holds only open rows; finished rows
 * from the finished-time index over the recent window only; dead letters from their partial index.
 * Every count stops at {@link #COUNT_CAP} rows (per channel for open work), so that the overview
 * stays quick during an outage with millions of rows waiting: a count that reached the cap is a
 * lower bound and {@link #partial()} says so. The oldest due ages are exact whatever the backlog.
 *
 * @param at the database's clock when the figures were read
 * @param channels one entry per channel with any open, dead or recent delivery, in name order
 * @param awaitingExpansion recipient notifications not yet expanded into deliveries
 * @param oldestExpansionDue how long the oldest due one of those has waited, or {@link Duration#ZERO}
 * @param throughput per channel and minute, oldest first; minutes without a finished delivery are
 *     absent (when {@code partial}, the oldest minutes may be undercounted: the newest are counted first)
 * @param partial true when some count reached {@link #COUNT_CAP} and is therefore a lower bound
 * @param scopes per scope of each channel (a push service and credential; see {@link Scope}), its open
 *     work, dead letters and oldest due age, in channel and name order: which push service is holding
 *     deliveries back. Counted from the same rows as the channel's figures, so under the same cap.
 */
public record OutboxOverview(Instant at, List<ChannelSummary> channels, long awaitingExpansion,
    Duration oldestExpansionDue, List<Minute> throughput, boolean partial, List<ScopeSummary> scopes) {

  /** The most rows any one count of the overview reads (per channel for open work). */
  public static final int COUNT_CAP = 100_000;

  /** How far back "recent" counts go: one hour. */
  public static final Duration RECENT_WINDOW = Duration.ofHours(1);
  /** How many minutes of throughput the overview carries. */
  public static final int THROUGHPUT_MINUTES = 30;

  /** Validates and copies. */
  public OutboxOverview {
    Objects.requireNonNull(at, "at");
    channels = List.copyOf(channels);
    Objects.requireNonNull(oldestExpansionDue, "oldestExpansionDue");
    throughput = List.copyOf(throughput);
    scopes = scopes == null ? List.of() : List.copyOf(scopes);
  }

  /**
   * One scope's figures.
   *
   * @param scope the scope
   * @param pending waiting deliveries (not yet due, due, or waiting for a retry)
   * @param dueNow pending deliveries whose time has come, not yet claimed
   * @param retrying pending deliveries that have been attempted before
   * @param inFlight deliveries claimed by an engine under a lease
   * @param dead dead letters, whenever they died
   * @param oldestDueAge how long the longest-waiting due delivery has been due; zero when none
   */
  public record ScopeSummary(Scope scope, long pending, long dueNow, long retrying, long inFlight, long dead,
      Duration oldestDueAge) {

    /** Validates. */
    public ScopeSummary {
      Objects.requireNonNull(scope, "scope");
      Objects.requireNonNull(oldestDueAge, "oldestDueAge");
    }
  }

  /**
   * One channel's figures.
   *
   * @param channel the channel
   * @param pending waiting deliveries (not yet due, due, or waiting for a retry)
   * @param dueNow pending deliveries whose time has come, not yet claimed
   * @param retrying pending deliveries that have been attempted before (waiting for a retry)
   * @param inFlight deliveries claimed by an engine under a lease
   * @param dead dead letters (re-queueable), whenever they died
   * @param deliveredRecently deliveries accepted by the push service within {@link #RECENT_WINDOW}
   * @param deadRecently deliveries given up within {@link #RECENT_WINDOW}
   * @param goneRecently deliveries that ended "target gone" within {@link #RECENT_WINDOW}
   * @param oldestDueAge how long the longest-waiting due delivery has been due; zero when none
   */
  public record ChannelSummary(Channel channel, long pending, long dueNow, long retrying, long inFlight, long dead,
      long deliveredRecently, long deadRecently, long goneRecently, Duration oldestDueAge) {

    /** Validates. */
    public ChannelSummary {
      Objects.requireNonNull(channel, "channel");
      Objects.requireNonNull(oldestDueAge, "oldestDueAge");
    }
  }

  /**
   * Deliveries of one channel that finished within one minute.
   *
   * @param start the minute's start (database clock, truncated to the minute)
   * @param channel the channel
   * @param delivered accepted by the push service
   * @param failed given up (dead) or target gone
   */
  public record Minute(Instant start, Channel channel, long delivered, long failed) {

    /** Validates. */
    public Minute {
      Objects.requireNonNull(start, "start");
      Objects.requireNonNull(channel, "channel");
    }
  }
}
