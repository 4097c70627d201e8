package dev.herald;

/**
 * Counts of the events that mean a claim and its send drifted apart, since this instance started:
 * each is also reported to the {@link dev.herald.spi.DeliveryListener} and logged (at a bounded
 * rate). Zero everywhere is the healthy state.
 *
 * @param sendsNotStarted sends not started because the claim's lease would have ended first; each
 *     was put back without counting an attempt
 * @param outcomesAfterLeaseExpiry outcomes that arrived after their claim's lease had ended
 * @param sendsAbandoned sends whose transport gave no outcome before the lease ended; each was
 *     recorded as a retry (its late outcome, if any, is discarded)
 * @param lateOutcomes outcomes that arrived after their delivery had been finished otherwise
 *     (released at shutdown, abandoned) and were discarded
 * @param decisionFailures outcomes whose handling threw; each delivery was put back and its slot freed
 * @param unrecordable completions the store refused even in their minimal form while it recorded
 *     others; each was left to its lease's expiry
 */
public record EngineCounters(long sendsNotStarted, long outcomesAfterLeaseExpiry, long sendsAbandoned,
    long lateOutcomes, long decisionFailures, long unrecordable) {}
