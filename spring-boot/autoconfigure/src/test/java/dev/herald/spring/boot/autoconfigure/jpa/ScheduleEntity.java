package dev.herald.spring.boot.autoconfigure.jpa;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A host entity written in the same JPA transaction as its reminder. */
@Entity
@Table(name = "jpa_schedule")
public class ScheduleEntity {
  @Id
  private String id;

  protected ScheduleEntity() {}

  public ScheduleEntity(String id) {
    this.id = id;
  }

  public String getId() {
    return id;
  }
}
