/**
 * The demo's schedule reminders as a Spring Boot service: a member registers devices, creates a
 * schedule (its reminder is enqueued in the same {@code @Transactional} method), cancels or starts
 * it (the guard vetoes a reminder whose schedule is no longer pending). Herald comes from the
 * starter and a few {@code herald.*} properties.
 */
package dev.herald.examples.spring;
