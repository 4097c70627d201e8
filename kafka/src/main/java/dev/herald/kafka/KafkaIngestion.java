package dev.herald.kafka;

import dev.herald.kafka.internal.JdbcOutboxSeam;
import dev.herald.kafka.internal.OutboxSeam;
import dev.herald.kafka.internal.Settings;
import dev.herald.kafka.internal.Stats;
import dev.herald.kafka.internal.Worker;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns Kafka topics of domain events into outbox actions, exactly once to the user: consumes in a
 * consumer group, maps each record to {@link Action}s with the host's {@link EventMapper}, applies
 * a batch of records' actions to the outbox in <b>one database transaction</b>, and commits the
 * batch's offsets only after that transaction committed. A record applied twice (Kafka redelivers
 * after a crash or a rebalance) is a no-op by its idempotency keys.
 *
 * <pre>{@code
 * KafkaIngestion ingestion = KafkaIngestion.builder(new StringDeserializer(), new ScheduleEventDeserializer())
 *     .bootstrapServers("kafka-1:9092,kafka-2:9092")
 *     .groupId("notifications")
 *     .topics("schedule-events")
 *     .herald(herald)
 *     .mapper(event -> switch (event.value()) {
 *       case ScheduleCreated c -> List.of(Action.enqueue(Notification.builder("schedule-" + c.id() + ":starts")
 *           .recipient(Recipient.id(c.memberId())).title("Your schedule starts now").notBefore(c.startsAt()).build()));
 *       case ScheduleCancelled c -> List.of(Action.cancel("schedule-" + c.id() + ":starts", "schedule cancelled"));
 *       default -> List.of();
 *     })
 *     .onPoison(PoisonHandling.deadLetter("schedule-events.dlt"))
 *     .build();
 * ingestion.start();        // close() on shutdown
 * }</pre>
 *
 * <p>Behaviour under failure:
 * <ul>
 *   <li><b>Database outage</b>: the batch's transaction fails, every assigned partition is paused
 *       (the consumer keeps polling, so it stays in the group), the transaction is retried with
 *       exponential backoff, and consumption resumes after it committed. No offset is committed
 *       meanwhile.
 *   <li><b>Rebalance</b>: records are applied between polls, so a revocation (which Kafka signals
 *       inside a poll) finds every batch either committed or not yet applied; a waiting batch's
 *       records of revoked partitions are dropped unapplied (the new owner reads them from the last
 *       committed offset), and offsets are committed only for partitions still owned.
 *   <li><b>Crash</b>: a batch whose transaction committed but whose offsets did not is read again by
 *       the next owner; its actions are no-ops.
 *   <li><b>Poison record</b>: dead-lettered or retried per {@link PoisonHandling}; never skipped.
 *   <li><b>Back-pressure</b>: while the outbox's due backlog is at or above
 *       {@link Builder#maxBacklog(long)}, partitions are paused until it falls below
 *       {@link Builder#resumeBacklog(long)}.
 * </ul>
 *
 * <p>Ordering: records of one partition are applied in offset order, and a partition belongs to one
 * consumer at a time, so events keyed by the same record key (for example a schedule id) are
 * applied in the order they were published: create before cancel.
 *
 * <p>Thread-safe. {@link #start()} once; {@link #close()} is idempotent and returns within
 * {@link Builder#shutdownTimeout(Duration)}.
 */
public final class KafkaIngestion implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaIngestion.class);

  private final Settings<?, ?> settings;
  private final Stats stats = new Stats();
  private final List<Worker<?, ?>> workers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final Object lifecycle = new Object();
  private boolean started;
  private boolean closed;

  private KafkaIngestion(Settings<?, ?> settings) {
    this.settings = settings;
  }

  /** A builder for events with text keys and values (UTF-8). */
  public static Builder<String, String> builder() {
    return builder(new StringDeserializer(), new StringDeserializer());
  }

  /**
   * A builder for events whose keys and values these deserializers read. Deserializers are shared by
   * the consumer threads (so they must be thread-safe, as Kafka's own are), called by Herald rather
   * than by the Kafka client (so that a record that does not deserialize is a poison record, not a
   * failed poll), and closed by {@link #close()}.
   */
  public static <K, V> Builder<K, V> builder(Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
    return new Builder<>(keyDeserializer, valueDeserializer);
  }

  /**
   * Starts the consumer threads. They subscribe, poll and apply until {@link #close()}.
   *
   * @throws IllegalStateException when already started or closed
   * @throws org.apache.kafka.common.KafkaException when the Kafka client refuses its configuration
   */
  public void start() {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("KafkaIngestion is closed: build a new one to consume again");
      }
      if (started) {
        throw new IllegalStateException("KafkaIngestion is already started");
      }
      started = true;
      try {
        for (int i = 0; i < settings.consumers(); i++) {
          Worker<?, ?> w = new Worker<>(settings, i, stats);
          workers.add(w);
        }
      } catch (RuntimeException e) {
        workers.forEach(Worker::abandon);
        workers.clear();
        closed = true;
        throw e;
      }
      for (Worker<?, ?> w : workers) {
        Thread t = new Thread(w, "herald-kafka-" + settings.groupId() + "-" + w.index());
        t.setDaemon(false);
        threads.add(t);
        t.start();
      }
      LOG.info("Herald Kafka ingestion started: {}", settings.describe());
    }
  }

  /**
   * Stops consuming: each thread finishes or abandons its batch (a batch whose transaction has not
   * committed is read again by the next owner), commits the offsets of what it applied, and leaves
   * the group. Waits at most {@link Builder#shutdownTimeout(Duration)} in total, then interrupts
   * what is left. Idempotent.
   */
  @Override
  public void close() {
    List<Thread> ts;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      ts = List.copyOf(threads);
      workers.forEach(Worker::stop);
    }
    long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
    for (Thread t : ts) {
      try {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Thread t : ts) {
      if (t.isAlive()) {
        LOG.warn("Herald Kafka ingestion: {} did not stop within {}; interrupting it", t.getName(),
            settings.shutdownTimeout());
        t.interrupt();
      }
    }
    settings.closeDeserializers();
  }

  /** Counters since start, summed over the consumer threads. */
  public IngestionStats stats() {
    int assigned = 0;
    boolean paused = false;
    synchronized (lifecycle) {
      for (Worker<?, ?> w : workers) {
        assigned += w.assignedPartitions();
        paused |= w.holdingBack();
      }
    }
    return stats.snapshot(assigned, paused);
  }

  @Override
  public String toString() {
    return "KafkaIngestion[" + settings.describe() + "]";
  }

  /**
   * Configures a {@link KafkaIngestion}. Setters validate single values; {@link #build()} the
   * combination. Not thread-safe.
   *
   * @param <K> the record key type
   * @param <V> the record value type
   */
  public static final class Builder<K, V> {
    /** Kafka client settings that this builder owns; a property may not set them. */
    private static final Set<String> MANAGED = Set.of("bootstrap.servers", "group.id", "enable.auto.commit",
        "key.deserializer", "value.deserializer", "max.poll.records", "key.serializer", "value.serializer");

    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private String bootstrapServers;
    private String groupId;
    private final Set<String> topics = new LinkedHashSet<>();
    private EventMapper<K, V> mapper;
    private OutboxSeam outbox;
    private DataSource dataSource;
    private EventIdentity identity = EventIdentity.standard();
    private PoisonHandling poison;
    private int batchSize = 500;
    private long maxBacklog = 100_000;
    private long resumeBacklog = -1;
    private Duration backlogCheckInterval = Duration.ofSeconds(1);
    private Duration pollTimeout = Duration.ofMillis(500);
    private Duration retryInitialDelay = Duration.ofMillis(200);
    private Duration retryMaxDelay = Duration.ofSeconds(30);
    private Duration commitTimeout = Duration.ofSeconds(30);
    private Duration shutdownTimeout = Duration.ofSeconds(30);
    private int consumers = 1;
    private final Map<String, Object> consumerProperties = new HashMap<>();
    private final Map<String, Object> producerProperties = new HashMap<>();

    private Builder(Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
      this.keyDeserializer = Objects.requireNonNull(keyDeserializer, "keyDeserializer");
      this.valueDeserializer = Objects.requireNonNull(valueDeserializer, "valueDeserializer");
    }

    /** The brokers to bootstrap from, {@code host:port[,host:port...]}; required. */
    public Builder<K, V> bootstrapServers(String bootstrapServers) {
      Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      if (bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("bootstrapServers must not be blank");
      }
      this.bootstrapServers = bootstrapServers;
      return this;
    }

    /**
     * The consumer group; required. Every instance of the notification service uses the same group,
     * so that they share the partitions.
     */
    public Builder<K, V> groupId(String groupId) {
      Objects.requireNonNull(groupId, "groupId");
      if (groupId.isBlank() || groupId.length() > 200 || !dev.herald.kafka.internal.Identities.printable(groupId)) {
        throw new IllegalArgumentException("groupId must be 1-200 printable characters: " + groupId);
      }
      this.groupId = groupId;
      return this;
    }

    /** The topics to consume (added to any given before); at least one is required. */
    public Builder<K, V> topics(String... topics) {
      Objects.requireNonNull(topics, "topics");
      for (String t : topics) {
        Objects.requireNonNull(t, "topic");
        if (!PoisonHandling.validTopic(t)) {
          throw new IllegalArgumentException("topic must be 1-249 of [a-zA-Z0-9._-]: " + t);
        }
        this.topics.add(t);
      }
      return this;
    }

    /** The host's translation of events into actions; required. */
    public Builder<K, V> mapper(EventMapper<K, V> mapper) {
      this.mapper = Objects.requireNonNull(mapper, "mapper");
      return this;
    }

    /**
     * The Herald the actions are applied to, in transactions on its own DataSource; required. Each
     * batch takes one connection from that DataSource for its transaction, so size the pool for
     * {@link #consumers(int)} more connections. Herald need not be started in this process: an
     * instance that only ingests builds it with the same transports (they check what is enqueued).
     */
    public Builder<K, V> herald(JdbcHerald herald) {
      this.outbox = new JdbcOutboxSeam(Objects.requireNonNull(herald, "herald"));
      this.dataSource = herald.dataSource();
      return this;
    }

    /** How an event's identity, the root of its idempotency keys, is derived; default {@link EventIdentity#standard()}. */
    public Builder<K, V> eventIdentity(EventIdentity identity) {
      this.identity = Objects.requireNonNull(identity, "identity");
      return this;
    }

    /**
     * What happens to records that cannot be handled: {@link PoisonHandling#deadLetter(String)} or
     * {@link PoisonHandling#retry()}; required, because either choice has a cost the host must
     * accept (a record set aside, or a partition that waits).
     */
    public Builder<K, V> onPoison(PoisonHandling poison) {
      this.poison = Objects.requireNonNull(poison, "poison");
      return this;
    }

    /**
     * Most records per poll and so per database transaction (Kafka's {@code max.poll.records});
     * default 500, 1 to 10,000. Larger batches cost fewer transactions per record and hold more
     * records in memory.
     */
    public Builder<K, V> batchSize(int batchSize) {
      if (batchSize < 1 || batchSize > 10_000) {
        throw new IllegalArgumentException("batchSize must be 1-10000: " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Back-pressure: partitions are paused while the outbox's due backlog
     * ({@link dev.herald.outbox.jdbc.OutboxAdmin#backlog(long)}: deliveries due and not claimed,
     * recipient notifications due and not expanded) is at or above this; default 100,000.
     * Notifications scheduled for later do not count.
     */
    public Builder<K, V> maxBacklog(long maxBacklog) {
      if (maxBacklog < 1) {
        throw new IllegalArgumentException("maxBacklog must be >= 1: " + maxBacklog);
      }
      this.maxBacklog = maxBacklog;
      return this;
    }

    /** Back-pressure ends when the backlog falls below this; default three quarters of {@link #maxBacklog(long)}. */
    public Builder<K, V> resumeBacklog(long resumeBacklog) {
      if (resumeBacklog < 1) {
        throw new IllegalArgumentException("resumeBacklog must be >= 1: " + resumeBacklog);
      }
      this.resumeBacklog = resumeBacklog;
      return this;
    }

    /** How often each consumer thread counts the backlog; default 1 s. */
    public Builder<K, V> backlogCheckInterval(Duration backlogCheckInterval) {
      this.backlogCheckInterval = positive(backlogCheckInterval, "backlogCheckInterval");
      return this;
    }

    /** How long one poll waits for records when none are buffered; default 500 ms. */
    public Builder<K, V> pollTimeout(Duration pollTimeout) {
      this.pollTimeout = positive(pollTimeout, "pollTimeout");
      return this;
    }

    /**
     * Backoff of a batch whose transaction failed for the database, and of a poison record being
     * retried: {@code initialDelay}, doubling up to {@code maxDelay}; defaults 200 ms and 30 s.
     */
    public Builder<K, V> retryBackoff(Duration initialDelay, Duration maxDelay) {
      this.retryInitialDelay = positive(initialDelay, "initialDelay");
      this.retryMaxDelay = positive(maxDelay, "maxDelay");
      return this;
    }

    /** How long an offset commit (and a dead letter's acknowledgement) may take; default 30 s. */
    public Builder<K, V> commitTimeout(Duration commitTimeout) {
      this.commitTimeout = positive(commitTimeout, "commitTimeout");
      return this;
    }

    /** How long {@link KafkaIngestion#close()} waits for the consumer threads; default 30 s. */
    public Builder<K, V> shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = positive(shutdownTimeout, "shutdownTimeout");
      return this;
    }

    /**
     * Consumer threads in this instance, each a member of the group with its own
     * {@code KafkaConsumer}; default 1, at most 64. More than the topics' partitions leaves some idle.
     */
    public Builder<K, V> consumers(int consumers) {
      if (consumers < 1 || consumers > 64) {
        throw new IllegalArgumentException("consumers must be 1-64: " + consumers);
      }
      this.consumers = consumers;
      return this;
    }

    /**
     * A Kafka consumer setting (security, timeouts, {@code group.protocol}, {@code client.rack}...).
     * Defaults Herald sets unless given here: {@code auto.offset.reset=earliest} (a new group reads
     * what was published before it started), {@code isolation.level=read_committed}, and for the
     * classic group protocol the {@code CooperativeStickyAssignor}. The settings this builder owns
     * (servers, group, deserializers, auto-commit, max.poll.records) are refused.
     */
    public Builder<K, V> consumerProperty(String name, Object value) {
      consumerProperties.put(managed(name, "consumerProperty"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * A Kafka producer setting for the dead-letter producer (security, timeouts). Herald sets
     * {@code acks=all} and idempotence.
     */
    public Builder<K, V> producerProperty(String name, Object value) {
      producerProperties.put(managed(name, "producerProperty"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Builds the ingestion (nothing connects until {@link KafkaIngestion#start()}).
     *
     * @throws IllegalStateException naming what is missing or inconsistent
     */
    public KafkaIngestion build() {
      List<String> missing = new ArrayList<>();
      if (bootstrapServers == null) {
        missing.add("bootstrapServers");
      }
      if (groupId == null) {
        missing.add("groupId");
      }
      if (topics.isEmpty()) {
        missing.add("topics");
      }
      if (mapper == null) {
        missing.add("mapper");
      }
      if (outbox == null) {
        missing.add("outbox");
      }
      if (poison == null) {
        missing.add("onPoison (deadLetter(topic) or retry())");
      }
      if (!missing.isEmpty()) {
        throw new IllegalStateException("KafkaIngestion needs " + String.join(", ", missing));
      }
      long resume = resumeBacklog < 0 ? Math.max(1, maxBacklog * 3 / 4) : resumeBacklog;
      if (resume > maxBacklog) {
        throw new IllegalStateException("resumeBacklog must be <= maxBacklog: " + resume + " > " + maxBacklog);
      }
      if (retryInitialDelay.compareTo(retryMaxDelay) > 0) {
        throw new IllegalStateException("retryBackoff initialDelay must be <= maxDelay: " + retryInitialDelay + " > "
            + retryMaxDelay);
      }
      if (poison instanceof PoisonHandling.DeadLetter d && topics.contains(d.topic())) {
        throw new IllegalStateException("the dead-letter topic must not be a consumed topic: " + d.topic());
      }
      return new KafkaIngestion(new Settings<>(bootstrapServers, groupId, List.copyOf(topics), keyDeserializer,
          valueDeserializer, mapper, outbox, dataSource, identity, poison, batchSize, maxBacklog, resume,
          backlogCheckInterval, pollTimeout, retryInitialDelay, retryMaxDelay, commitTimeout, shutdownTimeout, consumers,
          Map.copyOf(consumerProperties), Map.copyOf(producerProperties)));
    }

    private static String managed(String name, String setting) {
      Objects.requireNonNull(name, "name");
      if (MANAGED.contains(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(setting + " must not set " + name
            + ": it is managed by the builder (offsets are committed after the database transaction)");
      }
      return name;
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0: " + d);
      }
      return d;
    }
  }
}
