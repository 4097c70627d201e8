package dev.herald.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TargetGoneValveTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void tripsOnceTheGoneShareAndTheMinimumSampleAreReached() {
    TargetGoneValve valve = new TargetGoneValve(0.5, 4, Duration.ofMinutes(1));
    assertThat(valve.record(T0, false)).isFalse();
    assertThat(valve.record(T0, true)).isFalse();  // 1 of 2, under the minimum
    assertThat(valve.record(T0, true)).isFalse();  // 2 of 3
    assertThat(valve.record(T0, true)).isTrue();   // 3 of 4
    assertThat(valve.record(T0, false)).as("only a gone outcome is held back").isFalse();
  }

  @Test
  void forgetsOutcomesOlderThanTheWindow() {
    TargetGoneValve valve = new TargetGoneValve(0.5, 2, Duration.ofMinutes(1));
    valve.record(T0, true);
    assertThat(valve.record(T0.plusSeconds(1), true)).isTrue();
    assertThat(valve.record(T0.plusSeconds(62), true)).as("the earlier two have left the window").isFalse();
  }

  @Test
  void memoryStaysBoundedWhateverTheRate() {
    TargetGoneValve valve = new TargetGoneValve(0.5, 20, Duration.ofMinutes(1));
    for (int i = 0; i < 1_000_000; i++) {
      valve.record(T0.plusNanos(i * 600_000L), false); // 1,000,000 outcomes over ten minutes
    }
    assertThat(valve.slicesHeld()).isLessThanOrEqualTo(66);
  }
}
