package dev.herald.examples.spring;

import dev.herald.NotificationStatus;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.time.Instant;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Creates, cancels, starts and shows schedules, each with the state of its reminder. */
@RestController
class ScheduleController {
  private final ScheduleService service;
  private final JdbcHerald herald;

  ScheduleController(ScheduleService service, JdbcHerald herald) {
    this.service = service;
    this.herald = herald;
  }

  /** What a client posts: a start time, or seconds from now. */
  record NewSchedule(String member, String title, Instant startsAt, Long startsInSeconds) {}

  /** A schedule and its reminder. */
  record ScheduleView(long id, String member, String title, Instant startsAt, Schedule.Status status, Reminder reminder) {}

  /** The reminder: its state and one entry per device it went (or goes) to. */
  record Reminder(String key, String state, String reason, List<DeliveryView> deliveries) {}

  /** One delivery of the reminder. */
  record DeliveryView(String kind, String state, int attempts, String lastError) {}

  @PostMapping("/schedules")
  @ResponseStatus(HttpStatus.CREATED)
  ScheduleView create(@RequestBody NewSchedule body) {
    Instant startsAt = body.startsAt() != null ? body.startsAt()
        : Instant.now().plusSeconds(body.startsInSeconds() == null ? 60 : body.startsInSeconds());
    return view(service.create(body.member(), body.title(), startsAt));
  }

  @GetMapping("/schedules/{id}")
  ScheduleView get(@PathVariable long id) {
    return view(service.get(id));
  }

  @PostMapping("/schedules/{id}/cancel")
  ScheduleView cancel(@PathVariable long id) {
    return view(service.cancel(id));
  }

  @PostMapping("/schedules/{id}/start")
  ScheduleView start(@PathVariable long id) {
    return view(service.start(id));
  }

  private ScheduleView view(Schedule s) {
    Reminder reminder = herald.find(s.reminderKey()).map(ScheduleController::reminder).orElse(null);
    return new ScheduleView(s.getId(), s.getMember(), s.getTitle(), s.getStartsAt(), s.getStatus(), reminder);
  }

  private static Reminder reminder(NotificationStatus n) {
    return new Reminder(n.idempotencyKey(), n.state().name(), n.reason(), n.deliveries().stream()
        .map(d -> new DeliveryView(d.target().kind(), d.state().name(), d.attempts(), d.lastError())).toList());
  }
}
