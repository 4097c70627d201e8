package dev.herald.spring.boot.autoconfigure.internal;

import dev.herald.RetryPolicy;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.spring.boot.autoconfigure.HeraldProperties;
import dev.herald.spring.boot.autoconfigure.HeraldStartupException;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps {@code herald.*} properties onto Herald's builders, one property to one setter of the same
 * name; unset properties leave the builder's defaults. Whatever a builder refuses comes back as a
 * {@link HeraldStartupException} naming the property.
 */
public final class HeraldBuilders {
  private HeraldBuilders() {}

  /** The retry policy of {@code herald.engine.retry.*}. */
  public static RetryPolicy retryPolicy(HeraldProperties.Retry p) {
    RetryPolicy.Builder b = RetryPolicy.builder();
    Settings s = new Settings("the retry policy");
    String at = "herald.engine.retry.";
    s.set(at + "initial-delay", "initialDelay", p.getInitialDelay(), b::initialDelay);
    s.set(at + "multiplier", "multiplier", p.getMultiplier(), b::multiplier);
    s.set(at + "max-delay", "maxDelay", p.getMaxDelay(), b::maxDelay);
    s.set(at + "max-attempts", "maxAttempts", p.getMaxAttempts(), b::maxAttempts);
    s.set(at + "max-age", "maxAge", p.getMaxAge(), b::maxAge);
    return s.build(b::build);
  }

  /**
   * Applies the outbox and engine properties to {@code b}.
   *
   * @return the settings, for {@link Settings#build} to name the properties a failed build mentions
   */
  public static Settings configure(JdbcHerald.Builder b, HeraldProperties.Outbox o, HeraldProperties.Engine e) {
    Settings s = new Settings("Herald");
    String at = "herald.outbox.";
    s.set(at + "database", "database", o.getDatabase(), b::database);
    s.set(at + "table-prefix", "tablePrefix", o.getTablePrefix(), b::tablePrefix);
    s.set(at + "dedup-window", "dedupWindow", o.getDedupWindow(), b::dedupWindow);
    s.set(at + "retention", "retention", o.getRetention(), b::retention);
    s.set(at + "purge-interval", "purgeInterval", o.getPurgeInterval(), b::purgeInterval);
    s.set(at + "purge-batch-size", "purgeBatchSize", o.getPurgeBatchSize(), b::purgeBatchSize);
    s.set(at + "expansion-batch-size", "expansionBatchSize", o.getExpansionBatchSize(), b::expansionBatchSize);
    s.set(at + "listen-notify", "listenNotify", o.getListenNotify(), b::listenNotify);
    s.set(at + "stale-after", "staleAfter", o.getStaleAfter(), b::staleAfter);
    s.set(at + "device-retention", "deviceRetention", o.getDeviceRetention(), b::deviceRetention);

    at = "herald.engine.";
    s.set(at + "instance-id", "instanceId", e.getInstanceId(), b::instanceId);
    s.set(at + "poll-interval", "pollInterval", e.getPollInterval(), b::pollInterval);
    s.set(at + "batch-size", "batchSize", e.getBatchSize(), b::batchSize);
    s.set(at + "lease", "lease", e.getLease(), b::lease);
    s.set(at + "max-in-flight-per-channel", "maxInFlightPerChannel", e.getMaxInFlightPerChannel(), b::maxInFlightPerChannel);
    s.set(at + "dispatch-threads", "dispatchThreads", e.getDispatchThreads(), b::dispatchThreads);
    s.set(at + "completion-batch-size", "completionBatchSize", e.getCompletionBatchSize(), b::completionBatchSize);
    s.set(at + "channel-pause", "channelPause", e.getChannelPause(), b::channelPause);
    s.set(at + "max-channel-pause", "maxChannelPause", e.getMaxChannelPause(), b::maxChannelPause);
    s.set(at + "shutdown-timeout", "shutdownTimeout", e.getShutdownTimeout(), b::shutdownTimeout);

    HeraldProperties.TargetGoneSafetyValve v = e.getTargetGoneSafetyValve();
    at = "herald.engine.target-gone-safety-valve.";
    if (!v.isEnabled()) {
      b.disableTargetGoneSafetyValve();
    } else if (v.getShare() != null || v.getMinSamples() != null || v.getWindow() != null) {
      // The builder takes the three together, so a partial setting cannot fall back to its defaults.
      List<String> missing = new ArrayList<>();
      if (v.getShare() == null) {
        missing.add(at + "share");
      }
      if (v.getMinSamples() == null) {
        missing.add(at + "min-samples");
      }
      if (v.getWindow() == null) {
        missing.add(at + "window");
      }
      if (!missing.isEmpty()) {
        throw new HeraldStartupException("The target-gone safety valve is set in part: " + String.join(", ", missing)
            + " missing", missing, "Set " + at + "share, " + at + "min-samples and " + at + "window together.", null);
      }
      s.names(at + "share", "share");
      s.names(at + "min-samples", "minSamples");
      s.names(at + "window", "window");
      s.build(() -> b.targetGoneSafetyValve(v.getShare(), v.getMinSamples(), v.getWindow()));
    }
    return s;
  }
}
