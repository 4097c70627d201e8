/**
 * Herald's Web Push send path side by side with {@code nl.martijndwars:web-push} 5.1.2 in one JMH
 * run. Not API; not shipped.
 */
package dev.herald.benchmarks.webpush.peer;
