/** Runnable examples of Herald, one per feature, and the no-setup demo. */
package dev.herald.examples;
