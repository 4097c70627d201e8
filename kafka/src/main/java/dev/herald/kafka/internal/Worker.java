package dev.herald.kafka.internal;

import dev.herald.kafka.Action;
import dev.herald.kafka.Event;
import dev.herald.kafka.PoisonHandling;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer thread: a {@link KafkaConsumer} in the group, its poll loop, the batch it is
 * applying, and the offsets it has yet to commit. Everything but {@link #stop()} and the gauges runs
 * on the thread that runs {@link #run()}, including the rebalance callbacks (Kafka calls them inside
 * {@code poll}), so none of this state needs a lock.
 *
 * <p>The order of one step is the whole correctness argument: a batch is mapped, dead-lettered,
 * applied in one transaction and only then are its offsets committed; a poll happens only between
 * steps, so a rebalance (signalled inside a poll) never meets a batch halfway through its
 * transaction. A batch that cannot be applied yet (database down) stays here, every partition
 * paused, and is retried with backoff while the loop keeps polling to stay in the group.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class Worker<K, V> implements Runnable, ConsumerRebalanceListener {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
  private static final long MIN_POLL_MILLIS = 10;

  private final Settings<K, V> s;
  private final int index;
  private final Stats stats;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaProducer<byte[], byte[]> producer;
  private final PoisonHandling.DeadLetter deadLetter;
  private final Object sleeper = new Object();
  private volatile boolean running = true;
  private volatile int assignedGauge;
  private volatile boolean holdingBackGauge;

  /** Records received and not yet done, in the order poll returned them (offset order per partition). */
  private final List<Item> batch = new ArrayList<>();
  /** Next offset per partition whose records are done (applied or dead-lettered) but not yet committed. */
  private final Map<TopicPartition, Long> toCommit = new HashMap<>();
  /** Partitions held at a poison record being retried. */
  private final Map<TopicPartition, Stuck> stuck = new HashMap<>();
  private long retryAtNanos;
  private int consecutiveFailures;
  private boolean backPressured;
  private long nextBacklogCheckNanos;

  /** A poison record a partition waits at: its offset, tries so far, and when to read it again. */
  private record Stuck(long offset, int attempts, long untilNanos) {}

  /** One received record and what became of it. */
  private static final class Item {
    final ConsumerRecord<byte[], byte[]> record;
    final TopicPartition tp;
    State state = State.NEW;
    List<Action> actions = List.of();
    String reason;
    String exception;
    int attempts;

    Item(ConsumerRecord<byte[], byte[]> record) {
      this.record = record;
      this.tp = new TopicPartition(record.topic(), record.partition());
    }
  }

  private enum State { NEW, MAPPED, POISON, DONE }

  /** Creates the thread's consumer (and dead-letter producer); nothing connects yet. */
  public Worker(Settings<K, V> settings, int index, Stats stats) {
    this.s = settings;
    this.index = index;
    this.stats = stats;
    this.deadLetter = settings.poison() instanceof PoisonHandling.DeadLetter d ? d : null;
    this.consumer = new KafkaConsumer<>(settings.consumerConfig(index));
    KafkaProducer<byte[], byte[]> p = null;
    try {
      p = deadLetter == null ? null : new KafkaProducer<>(settings.producerConfig(index));
    } catch (RuntimeException e) {
      consumer.close(CloseOptions.timeout(Duration.ZERO));
      throw e;
    }
    this.producer = p;
  }

  /** This thread's number within the ingestion. */
  public int index() {
    return index;
  }

  /** Partitions assigned to this thread right now. */
  public int assignedPartitions() {
    return assignedGauge;
  }

  /** Whether this thread holds all its partitions paused (a waiting batch or back-pressure). */
  public boolean holdingBack() {
    return holdingBackGauge;
  }

  /** Asks the loop to finish: it leaves its poll (or its backoff) at once. */
  public void stop() {
    running = false;
    consumer.wakeup();
    synchronized (sleeper) {
      sleeper.notifyAll();
    }
  }

  /** Releases the clients of a worker that never ran. */
  public void abandon() {
    consumer.close(CloseOptions.timeout(Duration.ZERO));
    if (producer != null) {
      producer.close(Duration.ZERO);
    }
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(s.topics(), this);
      long failureDelay = s.retryInitialDelay().toMillis();
      while (running) {
        try {
          step();
          failureDelay = s.retryInitialDelay().toMillis();
        } catch (WakeupException e) {
          // close() asked; the loop condition ends it.
        } catch (InterruptException e) {
          LOG.warn("Herald Kafka ingestion: consumer thread {} interrupted; stopping", index);
          running = false;
        } catch (RuntimeException e) {
          // The loop survives anything (a broker refusing us, a bug): say so, back off, go on.
          LOG.error("Herald Kafka ingestion: consumer thread {} failed a step; trying again in {} ms", index,
              failureDelay, e);
          pause(failureDelay);
          failureDelay = Math.min(failureDelay * 2, s.retryMaxDelay().toMillis());
        }
      }
    } finally {
      shutdown();
    }
  }

  private void step() {
    long now = System.nanoTime();
    commitDone();
    if (!batch.isEmpty() && now - retryAtNanos >= 0) {
      process();
    }
    if (batch.isEmpty()) {
      checkBacklog(now);
    }
    syncPauses(now);
    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(pollMillis(System.nanoTime())));
    if (records.isEmpty()) {
      return;
    }
    if (!batch.isEmpty() || backPressured) {
      // Paused partitions return nothing; this is the safety net for a partition that arrived with
      // a rebalance before it could be paused. Reading them again later is all it costs.
      rewind(records);
      return;
    }
    for (ConsumerRecord<byte[], byte[]> r : records) {
      batch.add(new Item(r));
    }
    process();
  }

  // ---------------------------------------------------------------- one batch

  private void process() {
    long now = System.nanoTime();
    for (Item it : batch) {
      if (it.state == State.NEW) {
        map(it);
      }
    }
    decidePoison(now);
    if (!deadLetters()) {
      failed(null);
      return;
    }
    List<Item> mapped = new ArrayList<>();
    for (Item it : batch) {
      if (it.state == State.MAPPED) {
        mapped.add(it);
      }
    }
    if (!mapped.isEmpty()) {
      try {
        applyInTransaction(mapped);
        done(mapped);
      } catch (Exception e) {
        if (!Failures.recordsFault(e)) {
          failed(e);
          return;
        }
        // One record of the batch is refused: find it by applying each record alone. Actions are
        // idempotent, so the records applied before a later failure are harmless to apply again.
        if (!isolate(mapped)) {
          return;
        }
        process();
        return;
      }
    }
    for (Item it : batch) {
      if (it.state == State.DONE) {
        toCommit.merge(it.tp, it.record.offset() + 1, Math::max);
        Stuck st = stuck.get(it.tp);
        if (st != null && it.record.offset() >= st.offset()) {
          stuck.remove(it.tp);
        }
      }
    }
    batch.clear();
    consecutiveFailures = 0;
    retryAtNanos = 0;
    commitDone();
  }

  private void map(Item it) {
    ConsumerRecord<byte[], byte[]> r = it.record;
    String id;
    try {
      id = s.identity().of(r).map(Identities::normalize).orElse(null);
    } catch (RuntimeException e) {
      poison(it, "the event identity could not be derived: " + Failures.describe(e), e);
      return;
    }
    if (id == null) {
      poison(it, "the configured EventIdentity yields no identity for this record", null);
      return;
    }
    K key;
    V value;
    try {
      key = s.keyDeserializer().deserialize(r.topic(), r.headers(), r.key());
    } catch (RuntimeException e) {
      poison(it, "the key could not be deserialized: " + Failures.describe(e), e);
      return;
    }
    try {
      value = s.valueDeserializer().deserialize(r.topic(), r.headers(), r.value());
    } catch (RuntimeException e) {
      poison(it, "the value could not be deserialized: " + Failures.describe(e), e);
      return;
    }
    List<Action> actions;
    try {
      Event<K, V> event = new Event<>(r.topic(), r.partition(), r.offset(),
          r.timestamp() < 0 ? Instant.EPOCH : Instant.ofEpochMilli(r.timestamp()), key, value,
          List.of(r.headers().toArray()), id);
      actions = s.mapper().map(event);
    } catch (Exception e) {
      poison(it, "the mapper failed: " + Failures.describe(e), e);
      return;
    }
    if (actions == null) {
      poison(it, "the mapper returned null (return an empty list for no actions)", null);
      return;
    }
    for (Action a : actions) {
      if (a == null) {
        poison(it, "the mapper returned a null action", null);
        return;
      }
    }
    it.actions = List.copyOf(actions);
    it.state = State.MAPPED;
  }

  private static void poison(Item it, String reason, Throwable e) {
    it.state = State.POISON;
    it.reason = reason;
    it.exception = e == null ? null : e.getClass().getName();
  }

  /**
   * Each poison record is either set for the dead-letter topic or, while it has tries left, its
   * partition is stopped at it: rewound to its offset and paused for the backoff, with the records
   * behind it dropped from the batch so that they keep their order.
   */
  private void decidePoison(long now) {
    Set<TopicPartition> held = new HashSet<>();
    for (Iterator<Item> i = batch.iterator(); i.hasNext(); ) {
      Item it = i.next();
      if (held.contains(it.tp)) {
        i.remove();
        continue;
      }
      if (it.state != State.POISON || it.attempts > 0) {
        continue;
      }
      Stuck prior = stuck.get(it.tp);
      it.attempts = (prior != null && prior.offset() == it.record.offset() ? prior.attempts() : 0) + 1;
      if (deadLetter != null && it.attempts >= deadLetter.attempts()) {
        continue;
      }
      long delay = backoffMillis(it.attempts);
      stuck.put(it.tp, new Stuck(it.record.offset(), it.attempts, now + TimeUnit.MILLISECONDS.toNanos(delay)));
      consumer.seek(it.tp, it.record.offset());
      held.add(it.tp);
      i.remove();
      stats.poisonRetries.incrementAndGet();
      LOG.warn("Herald Kafka ingestion: {}-{}@{} failed (try {}): {}; its partition waits {} ms and reads it again",
          it.tp.topic(), it.tp.partition(), it.record.offset(), it.attempts, it.reason, delay);
    }
  }

  /** Publishes the batch's poison records to the dead-letter topic; false when the broker did not take them all. */
  private boolean deadLetters() {
    List<Item> poison = new ArrayList<>();
    for (Item it : batch) {
      if (it.state == State.POISON) {
        poison.add(it);
      }
    }
    if (poison.isEmpty()) {
      return true;
    }
    List<Future<?>> sent = new ArrayList<>();
    try {
      for (Item it : poison) {
        sent.add(producer.send(deadLetterRecord(it)));
      }
      long deadline = System.nanoTime() + s.commitTimeout().toNanos();
      for (int k = 0; k < poison.size(); k++) {
        sent.get(k).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        Item it = poison.get(k);
        it.state = State.DONE;
        stats.deadLettered.incrementAndGet();
        LOG.warn("Herald Kafka ingestion: {}-{}@{} dead-lettered to {}: {}", it.tp.topic(), it.tp.partition(),
            it.record.offset(), deadLetter.topic(), it.reason);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptException(e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException | KafkaException e) {
      LOG.warn("Herald Kafka ingestion: the dead-letter topic {} did not take the records: {}", deadLetter.topic(),
          Failures.describe(e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e));
      return false;
    }
  }

  private ProducerRecord<byte[], byte[]> deadLetterRecord(Item it) {
    ConsumerRecord<byte[], byte[]> r = it.record;
    RecordHeaders h = new RecordHeaders();
    for (Header header : r.headers()) {
      if (!header.key().startsWith("herald.dlt.")) {
        h.add(header);
      }
    }
    h.add(PoisonHandling.REASON_HEADER, utf8(it.reason.length() > 1_000 ? it.reason.substring(0, 999) + "…" : it.reason));
    if (it.exception != null) {
      h.add(PoisonHandling.EXCEPTION_HEADER, utf8(it.exception));
    }
    h.add(PoisonHandling.TOPIC_HEADER, utf8(r.topic()));
    h.add(PoisonHandling.PARTITION_HEADER, utf8(Integer.toString(r.partition())));
    h.add(PoisonHandling.OFFSET_HEADER, utf8(Long.toString(r.offset())));
    h.add(PoisonHandling.GROUP_HEADER, utf8(s.groupId()));
    h.add(PoisonHandling.ATTEMPTS_HEADER, utf8(Integer.toString(it.attempts)));
    return new ProducerRecord<>(deadLetter.topic(), null, r.timestamp() < 0 ? null : r.timestamp(), r.key(), r.value(), h);
  }

  private void applyInTransaction(List<Item> items) throws Exception {
    List<Action> all = new ArrayList<>();
    for (Item it : items) {
      all.addAll(it.actions);
    }
    if (all.isEmpty()) {
      return; // events this service ignores need no transaction (nor a database that answers)
    }
    try (Connection c = s.dataSource().getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        s.outbox().apply(c, all);
        c.commit();
      } catch (Exception e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      } finally {
        try {
          c.setAutoCommit(autoCommit);
        } catch (SQLException ignored) {
          // The connection is broken; the pool will find out and drop it.
        }
      }
    }
    stats.transactions.incrementAndGet();
    stats.actions.addAndGet(all.size());
  }

  private void done(List<Item> items) {
    for (Item it : items) {
      it.state = State.DONE;
    }
    stats.records.addAndGet(items.size());
  }

  /** Applies each record in a transaction of its own; refused ones become poison. False on a database failure. */
  private boolean isolate(List<Item> mapped) {
    for (Item it : mapped) {
      try {
        applyInTransaction(List.of(it));
        done(List.of(it));
      } catch (Exception e) {
        if (!Failures.recordsFault(e)) {
          failed(e);
          return false;
        }
        poison(it, "the outbox refused an action: " + Failures.describe(e), e);
      }
    }
    return true;
  }

  /** The batch waits: every partition stays paused, and it is tried again after the backoff. */
  private void failed(Exception e) {
    consecutiveFailures++;
    long delay = backoffMillis(consecutiveFailures);
    retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
    if (e != null) {
      stats.databaseFailures.incrementAndGet();
      LOG.warn("Herald Kafka ingestion: the transaction of {} records failed (try {}); consumption paused, trying again "
          + "in {} ms: {}", batch.size(), consecutiveFailures, delay, Failures.describe(e));
    }
  }

  private long backoffMillis(int attempt) {
    long initial = s.retryInitialDelay().toMillis();
    long max = s.retryMaxDelay().toMillis();
    int shift = Math.min(attempt - 1, 30);
    return Math.min(max, initial << shift < 0 ? max : Math.max(initial, initial << shift));
  }

  // ---------------------------------------------------------------- offsets

  /** Commits the offsets of done records, for partitions still owned only. */
  private void commitDone() {
    if (toCommit.isEmpty()) {
      return;
    }
    toCommit.keySet().retainAll(consumer.assignment());
    if (toCommit.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = offsets(toCommit.keySet());
    try {
      consumer.commitSync(offsets, s.commitTimeout());
      stats.offsetCommits.incrementAndGet();
      offsets.forEach((tp, o) -> toCommit.remove(tp, o.offset()));
    } catch (CommitFailedException | RebalanceInProgressException e) {
      // The group is moving; the revocation callback that follows commits or drops these. If they
      // are dropped, the partition's next owner reads the records again and applies no-ops.
      LOG.info("Herald Kafka ingestion: offset commit refused during a rebalance ({}); retried or left to redelivery",
          e.getClass().getSimpleName());
    } catch (WakeupException | InterruptException e) {
      throw e;
    } catch (KafkaException e) {
      LOG.warn("Herald Kafka ingestion: offset commit failed ({}); trying again", Failures.describe(e));
    }
  }

  private Map<TopicPartition, OffsetAndMetadata> offsets(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
    for (TopicPartition tp : partitions) {
      Long next = toCommit.get(tp);
      if (next != null) {
        m.put(tp, new OffsetAndMetadata(next));
      }
    }
    return m;
  }

  // ---------------------------------------------------------------- rebalance (inside poll, on this thread)

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    // Still ours until this returns: commit what was applied, then let go of the rest unapplied.
    Map<TopicPartition, OffsetAndMetadata> offsets = offsets(partitions);
    if (!offsets.isEmpty()) {
      try {
        consumer.commitSync(offsets, s.commitTimeout());
        stats.offsetCommits.incrementAndGet();
      } catch (WakeupException | InterruptException e) {
        forget(partitions);
        throw e;
      } catch (KafkaException e) {
        LOG.info("Herald Kafka ingestion: committing revoked partitions failed ({}); their next owner reads the "
            + "applied records again (no-ops)", Failures.describe(e));
      }
    }
    forget(partitions);
    LOG.info("Herald Kafka ingestion: consumer thread {} gave up {} partitions", index, partitions.size());
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    // Someone else may own them already: commit nothing, drop everything of theirs.
    forget(partitions);
    LOG.warn("Herald Kafka ingestion: consumer thread {} lost {} partitions (left the group); their records are "
        + "read again by the next owner", index, partitions.size());
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    assignedGauge = consumer.assignment().size();
    if (!partitions.isEmpty() && (!batch.isEmpty() || backPressured)) {
      consumer.pause(partitions);
    }
    if (!partitions.isEmpty()) {
      LOG.info("Herald Kafka ingestion: consumer thread {} was assigned {} partitions", index, partitions.size());
    }
  }

  private void forget(Collection<TopicPartition> partitions) {
    Set<TopicPartition> gone = new HashSet<>(partitions);
    if (running) {
      stats.partitionsRevoked.addAndGet(gone.size());
    }
    toCommit.keySet().removeAll(gone);
    stuck.keySet().removeAll(gone);
    batch.removeIf(it -> gone.contains(it.tp));
    if (batch.isEmpty()) {
      consecutiveFailures = 0;
      retryAtNanos = 0;
    }
    Set<TopicPartition> left = new HashSet<>(consumer.assignment());
    left.removeAll(gone);
    assignedGauge = left.size();
  }

  // ---------------------------------------------------------------- pausing

  private void checkBacklog(long now) {
    if (now - nextBacklogCheckNanos < 0) {
      return;
    }
    nextBacklogCheckNanos = now + s.backlogCheckInterval().toNanos();
    long backlog;
    try {
      backlog = s.outbox().backlog(s.maxBacklog());
    } catch (RuntimeException e) {
      LOG.warn("Herald Kafka ingestion: counting the outbox backlog failed ({}); keeping the current state",
          Failures.describe(e));
      return;
    }
    if (!backPressured && backlog >= s.maxBacklog()) {
      backPressured = true;
      stats.backPressurePauses.incrementAndGet();
      LOG.info("Herald Kafka ingestion: outbox backlog reached {}; consumption paused until it is below {}",
          s.maxBacklog(), s.resumeBacklog());
    } else if (backPressured && backlog < s.resumeBacklog()) {
      backPressured = false;
      LOG.info("Herald Kafka ingestion: outbox backlog down to {}; consumption resumed", backlog);
    }
  }

  private void syncPauses(long now) {
    Set<TopicPartition> assignment = consumer.assignment();
    boolean holdAll = !batch.isEmpty() || backPressured;
    holdingBackGauge = holdAll;
    Set<TopicPartition> want = new HashSet<>();
    if (holdAll) {
      want.addAll(assignment);
    } else {
      stuck.forEach((tp, st) -> {
        if (now - st.untilNanos() < 0 && assignment.contains(tp)) {
          want.add(tp);
        }
      });
    }
    Set<TopicPartition> paused = consumer.paused();
    Set<TopicPartition> toPause = new HashSet<>(want);
    toPause.removeAll(paused);
    Set<TopicPartition> toResume = new HashSet<>(paused);
    toResume.removeAll(want);
    toResume.retainAll(assignment);
    if (!toPause.isEmpty()) {
      consumer.pause(toPause);
    }
    if (!toResume.isEmpty()) {
      consumer.resume(toResume);
    }
  }

  private long pollMillis(long now) {
    long wait = s.pollTimeout().toMillis();
    if (!batch.isEmpty()) {
      wait = Math.min(wait, TimeUnit.NANOSECONDS.toMillis(retryAtNanos - now));
    }
    if (backPressured) {
      wait = Math.min(wait, TimeUnit.NANOSECONDS.toMillis(nextBacklogCheckNanos - now));
    }
    for (Stuck st : stuck.values()) {
      if (now - st.untilNanos() < 0) {
        wait = Math.min(wait, TimeUnit.NANOSECONDS.toMillis(st.untilNanos() - now));
      }
    }
    // Never a zero poll while everything is paused: that would spin.
    return Math.max(MIN_POLL_MILLIS, wait);
  }

  private void rewind(ConsumerRecords<byte[], byte[]> records) {
    for (TopicPartition tp : records.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
      if (!rs.isEmpty()) {
        consumer.seek(tp, rs.get(0).offset());
      }
    }
  }

  // ---------------------------------------------------------------- shutdown

  private void shutdown() {
    try {
      try {
        commitDone();
      } catch (WakeupException e) {
        commitDone(); // the wake-up of close() was still pending; this one runs
      }
    } catch (RuntimeException e) {
      LOG.info("Herald Kafka ingestion: final offset commit failed ({}); the applied records are read again (no-ops)",
          Failures.describe(e));
    }
    if (!batch.isEmpty()) {
      LOG.info("Herald Kafka ingestion: consumer thread {} stops with {} records not applied; they are read again",
          index, batch.size());
      batch.clear();
    }
    try {
      consumer.close(CloseOptions.timeout(s.commitTimeout()));
    } catch (RuntimeException e) {
      LOG.warn("Herald Kafka ingestion: closing the consumer failed: {}", Failures.describe(e));
    }
    if (producer != null) {
      try {
        producer.close(s.commitTimeout());
      } catch (RuntimeException e) {
        LOG.warn("Herald Kafka ingestion: closing the dead-letter producer failed: {}", Failures.describe(e));
      }
    }
    assignedGauge = 0;
    holdingBackGauge = false;
  }

  private void pause(long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (sleeper) {
      while (running) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return;
        }
        try {
          sleeper.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          running = false;
          return;
        }
      }
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
