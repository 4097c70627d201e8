package dev.herald.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.internal.engine.LogThrottle.Verdict;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogThrottleTest {
  final AtomicLong now = new AtomicLong();
  final LogThrottle throttle = new LogThrottle(Duration.ofSeconds(10), 3, now::get);

  void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void firstInFullThenOneCountPerInterval() {
    assertThat(throttle.admit("db down").verdict()).isEqualTo(Verdict.FIRST);
    for (int i = 0; i < 34_000; i++) {
      assertThat(throttle.admit("db down").log()).isFalse();
    }
    advance(Duration.ofSeconds(10));
    LogThrottle.Decision d = throttle.admit("db down");
    assertThat(d.verdict()).isEqualTo(Verdict.SUMMARY);
    assertThat(d.suppressed()).isEqualTo(34_000);
    advance(Duration.ofSeconds(30));
    assertThat(throttle.admit("db down").verdict()).as("nothing repeated meanwhile").isEqualTo(Verdict.FIRST);
  }

  @Test
  void allKindsTogetherStayUnderTheCap() {
    int logged = 0;
    for (int i = 0; i < 1_000; i++) {
      if (throttle.admit("kind-" + i).log()) {
        logged++;
      }
    }
    assertThat(logged).isEqualTo(3);
    advance(Duration.ofSeconds(10));
    assertThat(throttle.admit("kind-new").log()).isTrue();
  }

  @Test
  void kindsAreClassAndMessage() {
    assertThat(LogThrottle.kindOf("record", new IllegalStateException("connection refused")))
        .isEqualTo(LogThrottle.kindOf("record", new IllegalStateException("connection refused")))
        .isNotEqualTo(LogThrottle.kindOf("record", new IllegalArgumentException("connection refused")));
  }
}
