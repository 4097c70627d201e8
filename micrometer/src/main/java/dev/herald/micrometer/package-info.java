/** Micrometer metrics for Herald, as a {@link dev.herald.spi.DeliveryListener}. */
package dev.herald.micrometer;
