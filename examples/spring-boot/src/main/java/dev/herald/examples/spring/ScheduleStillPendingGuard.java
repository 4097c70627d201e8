package dev.herald.examples.spring;

import dev.herald.Delivery;
import dev.herald.spi.DeliveryGuard;
import org.springframework.stereotype.Component;

/**
 * Asked by Herald before each send: a reminder goes out only while its schedule is still
 * scheduled. A bean of type {@link DeliveryGuard} is all the starter needs to use it.
 */
@Component
class ScheduleStillPendingGuard implements DeliveryGuard {
  private final ScheduleRepository schedules;

  ScheduleStillPendingGuard(ScheduleRepository schedules) {
    this.schedules = schedules;
  }

  @Override
  public Verdict check(Delivery d) {
    String id = d.content().data().get("scheduleId");
    Schedule.Status status = id == null ? null
        : schedules.findById(Long.valueOf(id)).map(Schedule::getStatus).orElse(null);
    return status == Schedule.Status.SCHEDULED ? Verdict.proceed()
        : Verdict.veto("schedule " + id + " is " + (status == null ? "gone" : status.name().toLowerCase()));
  }
}
