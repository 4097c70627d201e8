package dev.herald.kafka.internal;

import dev.herald.kafka.EventIdentity;
import dev.herald.kafka.EventMapper;
import dev.herald.kafka.PoisonHandling;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validated, immutable configuration of one ingestion, shared by its consumer threads.
 *
 * @param <K> key type
 * @param <V> value type
 */
public record Settings<K, V>(String bootstrapServers, String groupId, List<String> topics,
    Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer, EventMapper<K, V> mapper, OutboxSeam outbox,
    DataSource dataSource, EventIdentity identity, PoisonHandling poison, int batchSize, long maxBacklog,
    long resumeBacklog, Duration backlogCheckInterval, Duration pollTimeout, Duration retryInitialDelay,
    Duration retryMaxDelay, Duration commitTimeout, Duration shutdownTimeout, int consumers,
    Map<String, Object> consumerProperties, Map<String, Object> producerProperties) {

  private static final Logger LOG = LoggerFactory.getLogger(Settings.class);

  /** The Kafka consumer configuration of consumer thread {@code index}. */
  public Map<String, Object> consumerConfig(int index) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "herald-kafka-" + groupId + "-" + index);
    Object protocol = consumerProperties.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
    if (protocol == null || "classic".equalsIgnoreCase(protocol.toString())) {
      // Cooperative rebalancing revokes only the partitions that move, so the others keep flowing.
      c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    }
    c.putAll(consumerProperties);
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, batchSize);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return c;
  }

  /** The dead-letter producer's configuration. */
  public Map<String, Object> producerConfig(int index) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "herald-kafka-dlt-" + groupId + "-" + index);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(commitTimeout.toMillis(), 1_000));
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(commitTimeout.toMillis(), 30_000));
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, commitTimeout.toMillis());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.putAll(producerProperties);
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  /** The effective configuration for the log: names of extra Kafka settings only, never their values (credentials). */
  public String describe() {
    return "group=" + groupId + ", topics=" + topics + ", consumers=" + consumers + ", batchSize=" + batchSize
        + ", poison=" + poison + ", maxBacklog=" + maxBacklog + ", resumeBacklog=" + resumeBacklog
        + ", pollTimeout=" + pollTimeout + ", retryBackoff=" + retryInitialDelay + ".." + retryMaxDelay
        + ", consumerProperties=" + new TreeSet<>(consumerProperties.keySet())
        + ", producerProperties=" + new TreeSet<>(producerProperties.keySet());
  }

  /** Closes the deserializers, logging (not throwing) what fails. */
  public void closeDeserializers() {
    for (Deserializer<?> d : List.of(keyDeserializer, valueDeserializer)) {
      try {
        d.close();
      } catch (RuntimeException e) {
        LOG.warn("Herald Kafka ingestion: closing a deserializer failed; ignored", e);
      }
    }
  }
}
