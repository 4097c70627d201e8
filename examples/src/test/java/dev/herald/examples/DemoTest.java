package dev.herald.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.DeliveryState;
import dev.herald.NotificationStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's first command must keep telling the story it tells. */
class DemoTest {
  @Test
  void demoTellsTheWholeStory() throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    List<NotificationStatus> result = new Demo(new PrintStream(buf, true, StandardCharsets.UTF_8)).run();
    String out = buf.toString(StandardCharsets.UTF_8);

    Map<String, NotificationStatus> byKey = result.stream().collect(Collectors.toMap(NotificationStatus::idempotencyKey, s -> s));
    NotificationStatus reminder = byKey.get("schedule-42:starts");
    assertThat(reminder.state()).isEqualTo(DeliveryState.DELIVERED);
    Map<String, NotificationStatus.DeliveryStatus> perDevice = reminder.deliveries().stream()
        .collect(Collectors.toMap(d -> d.target().kind(), d -> d));
    assertThat(perDevice.get("fid").state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(perDevice.get("webpush").state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(perDevice.get("webpush").attempts()).isEqualTo(2); // the 503 with Retry-After, then success
    assertThat(perDevice.get("token").state()).isEqualTo(DeliveryState.TARGET_GONE);
    assertThat(byKey.get("schedule-43:starts").state()).isEqualTo(DeliveryState.CANCELLED);
    assertThat(byKey.get("schedule-43:starts").deliveries()).isEmpty(); // never expanded, never sent
    assertThat(byKey.get("schedule-44:starts").state()).isEqualTo(DeliveryState.CANCELLED);

    assertThat(out).contains("second enqueue was a duplicate");
    assertThat(out).contains("answered 503 Retry-After: 1");
    assertThat(out).contains("decrypted {\"title\":\"Your schedule starts now\"");
    assertThat(out).containsPattern("invalidated FcmToken\\[.*UNREGISTERED");
    assertThat(out).contains("guard vetoed schedule-44:starts");
    assertThat(out).containsPattern("token +FcmToken\\[dTable.*INVALID");
    assertThat(out).doesNotContain(Demo.OLD_TABLET_TOKEN); // redacted everywhere
    assertThat(out).containsPattern("console +Herald console at http://127\\.0\\.0\\.1:\\d+/herald/");
  }
}
