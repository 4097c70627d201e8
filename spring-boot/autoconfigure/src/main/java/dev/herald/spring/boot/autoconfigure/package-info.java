/** Probe. */
package dev.herald.spring.boot.autoconfigure;
