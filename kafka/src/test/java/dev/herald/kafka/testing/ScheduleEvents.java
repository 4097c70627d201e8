package dev.herald.kafka.testing;

import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.kafka.Action;
import dev.herald.kafka.Event;
import dev.herald.kafka.EventMapper;
import java.util.List;

/**
 * The scheduling story as text events, keyed by schedule id: {@code created <schedule> <member>},
 * {@code cancelled <schedule>}, {@code started <schedule>}, {@code registered <member> <fid>},
 * {@code unregistered <fid>}; anything else is refused (a poison record).
 */
public final class ScheduleEvents {
  private ScheduleEvents() {}

  /** The idempotency key of a schedule's reminder. */
  public static String reminderKey(String scheduleId) {
    return "schedule-" + scheduleId + ":starts";
  }

  /** The mapper of the story; the notification carries its key in {@code data.key}. */
  public static EventMapper<String, String> mapper() {
    return (Event<String, String> e) -> {
      String[] f = e.value().split(" ");
      return switch (f[0]) {
        case "created" -> List.of(Action.enqueue(Notification.builder(reminderKey(f[1]))
            .recipient(Recipient.id(f[2])).title("Your schedule starts now").body("Schedule " + f[1])
            .data("key", reminderKey(f[1])).build()));
        case "cancelled" -> List.of(Action.cancel(reminderKey(f[1]), "schedule cancelled"));
        case "started" -> List.of(Action.cancel(reminderKey(f[1]), "schedule already started"));
        case "registered" -> List.of(Action.register(f[1], new DeviceTarget.FcmInstallation(f[2])));
        case "unregistered" -> List.of(Action.unregister(new DeviceTarget.FcmInstallation(f[1])));
        default -> throw new IllegalArgumentException("unknown event type: " + f[0]);
      };
    };
  }
}
