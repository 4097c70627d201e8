package dev.herald.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.kafka.testing.H2Outbox;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every validation of the builder, the actions and the poison handling, with its type and message. */
class ConfigurationTest {

  private static KafkaIngestion.Builder<String, String> complete(H2Outbox db) {
    return KafkaIngestion.builder().bootstrapServers("127.0.0.1:9092").groupId("g").topics("t")
        .herald(db.herald).mapper(e -> List.of()).onPoison(PoisonHandling.retry());
  }

  @Test
  void settersRefuseSingleBadValues() {
    KafkaIngestion.Builder<String, String> b = KafkaIngestion.builder();
    assertThatThrownBy(() -> b.bootstrapServers(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bootstrapServers must not be blank");
    assertThatThrownBy(() -> b.groupId("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("groupId must be 1-200 printable characters: ");
    assertThatThrownBy(() -> b.topics("bad topic")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topic must be 1-249 of [a-zA-Z0-9._-]: bad topic");
    assertThatThrownBy(() -> b.batchSize(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchSize must be 1-10000: 0");
    assertThatThrownBy(() -> b.maxBacklog(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBacklog must be >= 1: 0");
    assertThatThrownBy(() -> b.resumeBacklog(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("resumeBacklog must be >= 1: 0");
    assertThatThrownBy(() -> b.pollTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pollTimeout must be > 0: PT0S");
    assertThatThrownBy(() -> b.retryBackoff(Duration.ofMillis(-1), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("initialDelay must be > 0: PT-0.001S");
    assertThatThrownBy(() -> b.commitTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("commitTimeout must be > 0: PT0S");
    assertThatThrownBy(() -> b.shutdownTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("shutdownTimeout must be > 0: PT0S");
    assertThatThrownBy(() -> b.backlogCheckInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backlogCheckInterval must be > 0: PT0S");
    assertThatThrownBy(() -> b.consumers(65)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("consumers must be 1-64: 65");
    assertThatThrownBy(() -> b.consumerProperty("enable.auto.commit", true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("consumerProperty must not set enable.auto.commit: it is managed by the builder (offsets are "
            + "committed after the database transaction)");
    assertThatThrownBy(() -> b.producerProperty("bootstrap.servers", "x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("producerProperty must not set bootstrap.servers");
    assertThatThrownBy(() -> b.mapper(null)).isInstanceOf(NullPointerException.class).hasMessage("mapper");
  }

  @Test
  void buildNamesEverythingMissingAndRefusesInconsistentCombinations() {
    assertThatThrownBy(() -> KafkaIngestion.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("KafkaIngestion needs bootstrapServers, groupId, topics, mapper, outbox, onPoison "
            + "(deadLetter(topic) or retry())");
    try (H2Outbox db = new H2Outbox()) {
      assertThatThrownBy(() -> complete(db).maxBacklog(10).resumeBacklog(11).build())
          .isInstanceOf(IllegalStateException.class).hasMessage("resumeBacklog must be <= maxBacklog: 11 > 10");
      assertThatThrownBy(() -> complete(db).retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("retryBackoff initialDelay must be <= maxDelay: PT2S > PT1S");
      assertThatThrownBy(() -> complete(db).onPoison(PoisonHandling.deadLetter("t")).build())
          .isInstanceOf(IllegalStateException.class).hasMessage("the dead-letter topic must not be a consumed topic: t");
      KafkaIngestion ok = complete(db).consumerProperty("sasl.jaas.config", "secret-password").build();
      assertThat(ok.toString()).contains("sasl.jaas.config").doesNotContain("secret-password");
      ok.close();
      assertThatThrownBy(ok::start).isInstanceOf(IllegalStateException.class)
          .hasMessage("KafkaIngestion is closed: build a new one to consume again");
    }
  }

  @Test
  void valuesValidateThemselves() {
    assertThatThrownBy(() -> PoisonHandling.deadLetter("x").afterAttempts(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attempts must be >= 1: 0");
    assertThatThrownBy(() -> PoisonHandling.deadLetter("a b")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topic must be 1-249 of [a-zA-Z0-9._-]: a b");
    assertThatThrownBy(() -> Action.cancel("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("idempotencyKey must be 1-255 characters: length 0");
    assertThatThrownBy(() -> Action.cancel("k", "")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("reason must be 1-500 characters: length 0");
    assertThatThrownBy(() -> Action.enqueue(null)).isInstanceOf(NullPointerException.class).hasMessage("notification");
    assertThatThrownBy(() -> EventIdentity.header("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be empty");
  }
}
