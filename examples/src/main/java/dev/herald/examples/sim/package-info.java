/**
 * Simulated push services for the demo and the examples: real HTTP servers on 127.0.0.1 that answer
 * like FCM and a Web Push service, and a browser-side decryptor.
 */
package dev.herald.examples.sim;
