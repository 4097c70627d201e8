package dev.herald.examples.spring;

import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.spring.boot.TransactionalHerald;
import java.time.Duration;
import java.time.Instant;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The business transactions. Each writes the schedule and its reminder in one transaction: the
 * reminder exists iff the schedule does, and a cancelled schedule's reminder is cancelled with it.
 */
@Service
public class ScheduleService {
  private final ScheduleRepository schedules;
  private final TransactionalHerald herald;

  ScheduleService(ScheduleRepository schedules, TransactionalHerald herald) {
    this.schedules = schedules;
    this.herald = herald;
  }

  /** Creates a schedule and enqueues its reminder, due when it starts, in one transaction. */
  @Transactional
  public Schedule create(String member, String title, Instant startsAt) {
    Schedule s = schedules.save(new Schedule(member, title, startsAt));
    herald.enqueue(Notification.builder(s.reminderKey())
        .recipient(Recipient.id(member))          // every device of the member, as registered when it is due
        .title(title + " starts now")
        .data("scheduleId", String.valueOf(s.getId()))
        .notBefore(startsAt)
        .expiresAt(startsAt.plus(Duration.ofMinutes(15)))
        .build());
    return s;
  }

  /** Cancels a schedule and its reminder, in one transaction. */
  @Transactional
  public Schedule cancel(long id) {
    Schedule s = schedules.findById(id).orElseThrow(() -> new NotFound("schedule " + id));
    s.setStatus(Schedule.Status.CANCELLED);
    herald.cancel(s.reminderKey(), "schedule cancelled");
    return s;
  }

  /** Starts a schedule early: its reminder stays, and the guard vetoes it when it comes due. */
  @Transactional
  public Schedule start(long id) {
    Schedule s = schedules.findById(id).orElseThrow(() -> new NotFound("schedule " + id));
    s.setStatus(Schedule.Status.STARTED);
    return s;
  }

  /** A schedule by id. */
  @Transactional(readOnly = true)
  public Schedule get(long id) {
    return schedules.findById(id).orElseThrow(() -> new NotFound("schedule " + id));
  }

  /** Nothing with that id. */
  static final class NotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotFound(String what) {
      super(what + " not found");
    }
  }
}
