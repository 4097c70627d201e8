package dev.herald.examples.spring;

import org.springframework.data.jpa.repository.JpaRepository;

/** The schedules. */
public interface ScheduleRepository extends JpaRepository<Schedule, Long> {}
