/**
 * Service-provider interfaces: what hosts and third parties implement or plug in. Transports,
 * stores, device registries, guards and listeners are registered explicitly on builders; nothing
 * is discovered from the class path.
 */
package dev.herald.spi;
