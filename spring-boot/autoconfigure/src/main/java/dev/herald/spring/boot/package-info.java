/**
 * Herald in a Spring application: {@link dev.herald.spring.boot.TransactionalHerald} enqueues,
 * cancels and registers devices inside the current Spring-managed transaction.
 */
package dev.herald.spring.boot;
