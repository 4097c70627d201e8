package dev.herald.examples.spring;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A member's schedule: the host's own data, in the same database as Herald's outbox. */
@Entity
@Table(name = "schedules")
public class Schedule {
  /** Where a schedule is. */
  public enum Status { SCHEDULED, CANCELLED, STARTED }

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  @Column(nullable = false)
  private String member;

  @Column(nullable = false)
  private String title;

  @Column(nullable = false)
  private Instant startsAt;

  @Enumerated(EnumType.STRING)
  @Column(nullable = false)
  private Status status = Status.SCHEDULED;

  /** For JPA. */
  protected Schedule() {}

  /** A new schedule. */
  public Schedule(String member, String title, Instant startsAt) {
    this.member = member;
    this.title = title;
    this.startsAt = startsAt;
  }

  /** The id, once saved. */
  public Long getId() {
    return id;
  }

  /** The member it belongs to. */
  public String getMember() {
    return member;
  }

  /** What it is. */
  public String getTitle() {
    return title;
  }

  /** When it starts. */
  public Instant getStartsAt() {
    return startsAt;
  }

  /** Where it is. */
  public Status getStatus() {
    return status;
  }

  /** Moves it on. */
  public void setStatus(Status status) {
    this.status = status;
  }

  /** The idempotency key of its reminder: one reminder per schedule, however often it is enqueued. */
  public String reminderKey() {
    return "schedule-" + id + ":starts";
  }
}
